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

# Where our modules are: the import graph and the private-name rule look at all of them.
MODULE_PACKAGES = ("queue_server", "display_board", "desk_console", "kiosk_app", "printers", "texts", "cherha_client")


def _our_modules() -> dict[str, tuple[Path, bool]]:
    """Every module of ours by dotted name: its file and whether it is a package's __init__."""
    modules: dict[str, tuple[Path, bool]] = {}
    for package in MODULE_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            modules[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return modules


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The dotted name a `from ... import` reads from, relative levels resolved."""
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _import_graph() -> dict[str, set[str]]:
    """Module → the modules of ours it imports, anywhere in it (functions included), relative ones resolved.

    Importing a.b.c also runs a/__init__ and a/b/__init__: those count too, except the importer's own
    packages, which Python has always begun to import before the importer itself runs.
    """
    modules = _our_modules()
    graph: dict[str, set[str]] = {}
    for module, (path, is_package) in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(module, is_package, node)
                targets.add(base)
                targets |= {f"{base}.{alias.name}" for alias in node.names}  # `from pkg import submodule`
        own = {".".join(module.split(".")[:n]) for n in range(1, module.count(".") + 2)}
        edges = set()
        for target in targets:
            parts = target.split(".")
            edges |= {".".join(parts[:n]) for n in range(1, len(parts) + 1)}
        graph[module] = {m for m in edges if m in modules and m not in own}
    return graph


def test_no_module_imports_another_modules_private_names() -> None:
    modules = _our_modules()
    found: dict[tuple[str, str], set[str]] = {}
    for module, (path, is_package) in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                private = {a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")}
                if private:
                    found.setdefault((module, _absolute(module, is_package, node)), set()).update(private)
    unexpected = found
    assert not unexpected, f"private names imported across modules (make them public, or move them): {unexpected}"
    assert len(modules) > 80  # the walk found our code


def test_our_modules_import_each_other_without_a_cycle() -> None:
    graph = _import_graph()
    assert len(graph) > 80 and sum(len(targets) for targets in graph.values()) > 150
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycle = [*path[path.index(module):], module]
            raise AssertionError("import cycle: " + " → ".join(cycle))
        if module in done:
            return
        for target in sorted(graph[module]):
            visit(target, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


def test_rest_handlers_leave_the_caller_to_the_guard() -> None:
    """Who may call a route is declared in its table entry and checked by api/guard.py alone: no module
    holding a handler reads the Authorization header, looks a token up or refuses a role itself."""
    from queue_server.api.endpoints import Route
    from queue_server.api.routes import TABLE

    modules = {entry.handler.__module__ for entry in TABLE if isinstance(entry, Route)}
    assert {"queue_server.api.rest", "queue_server.api.booking_api", "display_board.web"} <= modules
    for name in modules:
        source = (ROOT / (name.replace(".", "/") + ".py")).read_text(encoding="utf-8")
        for word in ("Authorization", "by_token", "Unauthorized(", "Forbidden(", "take_code("):
            if word == "take_code(" and name == "queue_server.api.booking_api":
                continue  # the SMS code's own throttle (confirm): not a check of who calls
            assert word not in source, f"{name} uses {word}: declare the route's access instead"
