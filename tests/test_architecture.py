"""The arrows of the house: which package may import which, and module size."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SRC = ROOT / "src"
PLUGINS = ROOT / "plugins"

FRONTEND_LIBRARIES = ("starlette", "click", "rich", "uvicorn", "jinja2")
#: What a plugin package may import from aniworld: the public API, the answer-reading helpers
#: and the testing plugin.
PUBLIC_MODULES = ("aniworld_core", "aniworld_core.reading", "aniworld_testing")


def imports_of(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if ".venv" not in p.parts)


def violations(folder: Path, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in python_files(folder):
        for module in imports_of(path):
            if any(module == f or module.startswith(f"{f}.") for f in forbidden):
                found.append(f"{path.relative_to(ROOT)} imports {module}")
    return found


def test_core_never_imports_a_frontend() -> None:
    """aniworld_core imports neither the adapters, nor their frameworks, nor the fake provider
    servers (``aniworld_testing``: Starlette apps, for tests, plugin authors and the demo)."""
    forbidden = ("aniworld_web", "aniworld_cli", "aniworld_testing", *FRONTEND_LIBRARIES)
    assert violations(SRC / "aniworld_core", forbidden) == []


def test_the_fakes_never_import_an_adapter() -> None:
    """The fake provider servers build on the core alone; the demo command uses them, never
    the other way round."""
    assert violations(SRC / "aniworld_testing", ("aniworld_web", "aniworld_cli")) == []


def test_importing_the_core_loads_no_frontend_framework() -> None:
    """``import aniworld_core`` (and every one of its modules) loads no frontend framework
    beyond what httpx itself loads (its CLI pulls in click and rich when they are installed,
    encode/httpx#3547)."""
    modules = [
        ".".join(path.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
        for path in python_files(SRC / "aniworld_core")
        if "migrations" not in path.parts
    ]
    code = (
        "import importlib, sys\n"
        "import httpx\n"
        f"baseline = {{m for m in {FRONTEND_LIBRARIES!r} if m in sys.modules}}\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(sorted(m for m in {FRONTEND_LIBRARIES!r}\n"
        "             if m in sys.modules and m not in baseline))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("aniworld_core/providers", ("aniworld_core.storage", "aniworld_core.loader")),
        ("aniworld_core/library", ("aniworld_core.loader", "aniworld_core.providers")),
        ("aniworld_web", ("aniworld_cli",)),
        ("aniworld_cli", ("aniworld_web",)),
    ],
)
def test_arrows_that_must_never_exist(package: str, forbidden: tuple[str, ...]) -> None:
    """Providers don't reach storage or the loader; the library doesn't reach either; the two
    adapters don't know each other."""
    folder = SRC / package
    assert folder.is_dir(), f"{package} moved: point this test at its new place"
    assert violations(folder, forbidden) == []


def private_imports(folder: Path, root: Path = ROOT) -> list[str]:
    """Every import under ``folder`` of aniworld_core or aniworld_testing beyond their public
    API (the package itself, and the answer-reading helpers), by path relative to ``root``."""
    found = []
    for path in python_files(folder):
        for module in imports_of(path):
            if module.startswith(("aniworld_core", "aniworld_testing")) \
                    and module not in PUBLIC_MODULES:
                found.append(f"{path.relative_to(root)} imports {module}")
    return found


@pytest.mark.parametrize("adapter", ["aniworld_web", "aniworld_cli"])
def test_adapters_use_only_the_public_api(adapter: str) -> None:
    """The web and CLI adapters import what ``aniworld_core`` exports, never one of its private
    modules: what an adapter needs is made public or kept in core."""
    folder = SRC / adapter
    assert folder.is_dir()
    assert private_imports(folder) == []


def test_the_import_check_sees_private_imports(tmp_path: Path) -> None:
    """The check behind the adapter and plugin tests reports ``from aniworld_core.x import``
    and ``import aniworld_core.x`` and lets the public modules through."""
    module = tmp_path / "adapter.py"
    module.write_text("import aniworld_core.auth\nfrom aniworld_core.library.release import "
                      "parse_path\nfrom aniworld_core import SeriesApp\n"
                      "from aniworld_core.reading import text\nimport aniworld_testing\n")
    assert private_imports(tmp_path, tmp_path) == [
        "adapter.py imports aniworld_core.auth",
        "adapter.py imports aniworld_core.library.release"]


def test_plugins_use_only_the_public_api() -> None:
    """A plugin package imports aniworld_core's public API and the fakes' package, never a
    private module of either."""
    assert PLUGINS.is_dir()
    assert private_imports(PLUGINS) == []


def test_no_module_over_500_lines() -> None:
    """Modules stay small enough to read; split by meaning past 500 lines."""
    roots = [SRC, PLUGINS] if PLUGINS.exists() else [SRC]
    long = [
        f"{path.relative_to(ROOT)}: {length} lines"
        for root in roots
        for path in python_files(root)
        if (length := len(path.read_text(encoding="utf-8").splitlines())) > 500
    ]
    assert long == []
