"""Every hook is documented in docs/plugins.md and exercised by a test named after it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from aniworld_core.providers import hookspecs

ROOT = Path(__file__).parents[3]
DOCS = ROOT / "docs" / "plugins.md"
HOOKS = sorted(
    name for name, value in vars(hookspecs).items()
    if callable(value) and hasattr(value, f"{hookspecs.PROJECT_NAME}_spec")
)


def test_the_hookspec_module_declares_hooks() -> None:
    """The meta-tests below have hooks to check (they would pass vacuously otherwise)."""
    assert "register_metadata_providers" in HOOKS


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_section_in_the_plugin_docs(hook: str) -> None:
    """docs/plugins.md has a heading naming the hook."""
    headings = re.findall(r"^#+ .*$", DOCS.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert any(f"`{hook}`" in heading for heading in headings), f"no section for {hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook: str) -> None:
    """Some test function under tests/ is named ``test_<hook>...``."""
    names = {
        node.name
        for path in (ROOT / "tests").rglob("test_*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    assert any(name.startswith(f"test_{hook}") for name in names), f"no test for {hook}"
