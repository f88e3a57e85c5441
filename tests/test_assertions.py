"""The test suite itself: no assertion that can never fail (``assert x if cond else True``,
``assert (a, b)``, ``assert y or True``), and none that can never run (after the statement
that raises inside ``pytest.raises``)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent
SUITES = [ROOT / "tests", *sorted((ROOT / "plugins").glob("*/tests"))]


def _truthy(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and bool(node.value)


def _always_true(test: ast.expr) -> bool:
    """Whether an assert's expression is true whatever it computes."""
    if isinstance(test, ast.Tuple | ast.List | ast.Set | ast.Dict) and _literal_size(test):
        return True
    if _truthy(test) or isinstance(test, ast.GeneratorExp | ast.Lambda):
        return True
    if isinstance(test, ast.IfExp):  # passes whenever the condition picks the constant
        return _truthy(test.body) or _truthy(test.orelse)
    return (isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or)
            and any(_truthy(value) for value in test.values))


def _literal_size(node: ast.Tuple | ast.List | ast.Set | ast.Dict) -> int:
    return len(node.keys) if isinstance(node, ast.Dict) else len(node.elts)


def _unreachable_asserts(node: ast.With | ast.AsyncWith) -> bool:
    """A ``with pytest.raises(...)`` block with an assert after its first statement."""
    raises = any(isinstance(item.context_expr, ast.Call)
                 and isinstance(item.context_expr.func, ast.Attribute)
                 and item.context_expr.func.attr == "raises" for item in node.items)
    return raises and any(isinstance(inner, ast.Assert)
                          for statement in node.body[1:] for inner in ast.walk(statement))


def suspicious(source: str, name: str) -> list[str]:
    """Where in ``source`` an assertion can never fail or never run."""
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.Assert) and _always_true(node.test):
            found.append(f"{name}:{node.lineno}: assert can never fail")
        elif isinstance(node, ast.With | ast.AsyncWith) and _unreachable_asserts(node):
            found.append(f"{name}:{node.lineno}: assert after the raising statement never runs")
    return found


def test_every_assertion_can_fail() -> None:
    """No test file holds an assertion that is true whatever it checks, or one placed where
    it never runs."""
    found = []
    for suite in SUITES:
        for path in sorted(suite.rglob("*.py")):
            found += suspicious(path.read_text(encoding="utf-8"),
                                str(path.relative_to(ROOT)))
    assert found == []


def test_the_check_finds_assertions_that_cannot_fail() -> None:
    """The check reports the forms it looks for and lets ordinary assertions be."""
    source = (
        "def test_x(stored, x, y):\n"
        "    assert stored.lease_owner is None if hasattr(stored, 'lease_owner') else True\n"
        "    assert (x, 'message')\n"
        "    assert x or True\n"
        "    assert (x, y) == (1, 2)\n"
        "    assert x is None or y\n"
        "    with pytest.raises(ValueError):\n"
        "        int('x')\n"
        "        assert x\n"
    )
    assert suspicious(source, "t.py") == [
        "t.py:2: assert can never fail", "t.py:3: assert can never fail",
        "t.py:4: assert can never fail",
        "t.py:7: assert after the raising statement never runs"]
