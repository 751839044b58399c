"""The import direction between the folders, read from the source with ast (function-level imports too).

bot/ is the pure core; messages/ words it; storage/ keeps it; handlers/ connects it to the world;
app.py wires them together. Nothing below app.py imports app, and nothing imports tests.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STDLIB = set(sys.stdlib_module_names)
FIRST_PARTY = {"app", "bot", "messages", "storage", "handlers", "policies", "tests", "bench"}


def _imports(path: Path, root: Path = ROOT) -> Iterator[tuple[int, str]]:
    """Every absolute module name `path` imports, anywhere in the file, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                yield node.lineno, node.module or ""
            else:  # relative: resolve against the file's package
                package = path.relative_to(root).parent.parts
                base = package[: len(package) - (node.level - 1)]
                yield node.lineno, ".".join((*base, node.module) if node.module else base)


def _files(folder: str) -> list[Path]:
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files, folder
    return files


def _offenders(folder: str, allowed: set[str], *, stdlib: bool = True) -> list[str]:
    found = []
    for path in _files(folder):
        for line, name in _imports(path):
            top = name.split(".")[0]
            if top in allowed or (stdlib and top in STDLIB) or top == "__future__":
                continue
            found.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return found


def test_the_core_imports_only_the_standard_library_and_itself() -> None:
    assert _offenders("bot", {"bot"}) == []


def test_messages_import_only_the_core_and_messages() -> None:
    # one exception, named: the record's PDF is typeset by typst inside messages/export/pdf.py
    # (a renderer, like the .typ template beside it); to move to handlers/ after round 2. orjson is a JSON
    # encoder like the standard library's (Teams measures a card's size with it)
    found = _offenders("messages", {"bot", "messages", "orjson"})
    assert [f for f in found if not (f.startswith("messages/export/pdf.py:") and f.endswith(" imports typst"))] == []


def test_storage_imports_the_core_storage_and_its_database_libraries_but_no_handlers_or_messages() -> None:
    assert _offenders("storage", {"bot", "storage", "sqlalchemy", "alembic", "orjson"}) == []  # orjson: JSON columns


def test_handlers_never_import_app_or_tests() -> None:
    found = [f"{p.relative_to(ROOT)}:{line} imports {name}" for p in _files("handlers") for line, name in _imports(p)
             if name.split(".")[0] in {"app", "tests", "bench"}]
    assert found == []


def test_botbuilder_is_imported_only_inside_handlers_teams() -> None:
    teams = ROOT / "handlers" / "teams"
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in {".venv", "tests"} or path.is_relative_to(teams):
            continue
        found += [f"{rel}:{line} imports {name}" for line, name in _imports(path) if name.split(".")[0] == "botbuilder"]
    assert found == []


def test_nothing_outside_tests_imports_tests() -> None:
    found = []
    # bench/ is left out on purpose: its scripts drive the same harnesses as the tests and are not shipped
    for folder in ("app.py", "bot", "messages", "storage", "handlers", "policies"):
        paths = [ROOT / folder] if folder.endswith(".py") else sorted((ROOT / folder).rglob("*.py"))
        for path in paths:
            found += [f"{path.relative_to(ROOT)}:{line} imports {name}" for line, name in _imports(path) if name.split(".")[0] == "tests"]
    assert found == []


def test_the_reader_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    module = tmp_path / "handlers" / "cli" / "x.py"
    module.parent.mkdir(parents=True)
    module.write_text("import os\n\ndef f():\n    import app\n    from ..teams import flows\n    from . import y\n", encoding="utf-8")
    assert list(_imports(module, tmp_path)) == [(1, "os"), (4, "app"), (5, "handlers.teams"), (6, "handlers.cli")]


MOST_LINES = 400  # a module a newcomer can read in one sitting (issue 11)


def test_no_module_of_the_product_is_over_400_lines() -> None:
    modules = [ROOT / "app.py", *(p for folder in ("bot", "handlers", "storage", "messages") for p in (ROOT / folder).rglob("*.py"))]
    long = {str(p.relative_to(ROOT)): n for p in modules if (n := len(p.read_text(encoding="utf-8").splitlines())) > MOST_LINES}
    assert long == {}, f"split these by responsibility: {long}"
