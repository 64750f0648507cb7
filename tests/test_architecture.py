"""The layering rules of docs/architecture: checked on the import statements themselves."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IO_MODULES = {"aiohttp", "sqlite3", "sqlite_utils", "socket", "asyncio", "os", "pathlib", "serial", "escpos",
              "PySide6", "requests", "subprocess", "threading", "secrets", "time"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(("." * node.level) + (node.module or ""))
    return names


def test_domain_is_pure() -> None:
    files = list((ROOT / "queue_server" / "domain").glob("*.py"))
    assert len(files) >= 8
    for path in files:
        for name in _imports(path):
            top = name.lstrip(".").split(".")[0]
            assert top not in IO_MODULES, f"{path.name} imports {name}: the domain does no I/O"
            assert not name.startswith("..") and top not in ("queue_server", "printers"), \
                f"{path.name} imports {name}: the domain imports nothing of ours outside itself"
        _only_seeded_random(path)


def _only_seeded_random(path: Path) -> None:
    """The forecast draws from `random.Random(seed)`: the same hall gives the same answer. The module's shared
    generator (random.random(), random.choice(), ...) would not, so the domain may import the class alone."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            assert all(alias.name != "random" for alias in node.names), f"{path.name}: import Random only"
        elif isinstance(node, ast.ImportFrom) and node.module == "random":
            assert [alias.name for alias in node.names] == ["Random"], f"{path.name}: import Random only"


OUR_PACKAGES = {"queue_server", "printers", "kiosk_app", "desk_console", "display_board", "texts", "bench", "tests"}


def test_only_apps_import_qt_and_printers_know_no_server() -> None:
    for path in ROOT.glob("*/**/*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in (".venv", "tests", "bench"):
            continue
        for name in _imports(path):
            if name.split(".")[0] == "PySide6":
                assert parts[0] in ("kiosk_app", "desk_console"), f"{path} imports Qt"
            if parts[0] == "printers":  # printers may use the texts package, never the server
                assert not name.startswith("queue_server"), f"{path} imports the server"


def test_texts_package_imports_nothing_of_ours_nor_qt() -> None:
    """texts/ is the one catalogue mechanism of the server, the apps and the printers: it must stand alone."""
    files = list((ROOT / "texts").glob("*.py"))
    assert files
    for path in files:
        for name in _imports(path):
            top = name.split(".")[0]
            assert not name.startswith(".."), f"{path.name} imports {name}"
            assert top not in OUR_PACKAGES | {"PySide6"}, f"texts/{path.name} imports {name}"
