"""The command line depends on the domain modules, never on the web views: a view is for a
request, and the commands have none (docs: DESIGN, "the command line as a room of its own")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "survey_app"
COMMAND_LINE = ("cli.py", "keys_cli.py", "evidence_cli.py")
WEB = ("inspect", "respond")


def _imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function, relative ones as
    dotted names from the package (``.inspect.views`` -> ``inspect.views``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = (node.module or "").removeprefix("survey_app.")
            if node.level or node.module and node.module.startswith("survey_app"):
                names.add(base)
                names.update(f"{base}.{alias.name}".strip(".") for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name.removeprefix("survey_app.") for alias in node.names)
    return names


@pytest.mark.parametrize("name", COMMAND_LINE)
def test_the_command_line_imports_no_web_view(name):
    imported = _imported(PACKAGE / name)
    assert "cli" in imported or name == "cli.py"  # the reading of imports works
    views = sorted(m for m in imported if m.split(".")[0] in WEB)
    assert views == [], f"{name} imports web views: {views}"
