"""The walls between parts of the code, checked on the import statements themselves.

- The packages under packages/ (the ledger core and verifier, the protocol, the terminal and
  recorder agents) import no Django and no server app: they ship and run on their own.
- The terminal and recorder agents share only the protocol package (and the ledger core, which
  checks proofs) with the server, and not each other.
- lib/ imports no app; apps reach the ledger through ledger.interface (openings included), never
  its models or other modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
APPS = ("accounts", "complaints", "custody", "custodywatch", "facilities", "jobs", "ledger", "video", "visits")
SERVER = {*APPS, "lib", "django", "ninja"}


def imported_roots(path: Path) -> set[str]:
    """The dotted names a Python file imports (absolute imports only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            # `from ledger import interface` imports the module ledger.interface
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def sources(root: Path) -> list[Path]:
    return [p for p in root.rglob("*.py") if "tests" not in p.parts and ".venv" not in p.parts]


def _offences(root: Path, forbidden: set[str]) -> list[str]:
    return [f"{path.relative_to(BASE)} imports {name}"
            for path in sources(root) for name in sorted(imported_roots(path))
            if name.split(".")[0] in forbidden]


@pytest.mark.parametrize("package", ["custodywatch_log", "custodywatch_protocol"])
def test_core_packages_import_no_server_code(package):
    root = BASE / "packages" / package.replace("_", "-") / "src" / package
    assert _offences(root, SERVER | {"custodywatch_terminal", "custodywatch_recorder"}) == []


def test_the_terminal_agent_shares_only_the_protocol_with_the_server():
    root = BASE / "packages" / "custodywatch-terminal" / "src" / "custodywatch_terminal"
    assert _offences(root, SERVER | {"custodywatch_recorder"}) == []


def test_the_recorder_agent_shares_only_the_protocol_with_the_server():
    root = BASE / "packages" / "custodywatch-recorder" / "src" / "custodywatch_recorder"
    assert _offences(root, SERVER | {"custodywatch_terminal"}) == []


def test_lib_imports_no_app():
    assert _offences(BASE / "lib", set(APPS)) == []


@pytest.mark.parametrize("app", [a for a in APPS if a not in ("ledger", "custodywatch")])
def test_apps_reach_the_ledger_only_through_its_interface(app):
    allowed = {"ledger.interface", "ledger.testing"}
    offences = [f"{path.relative_to(BASE)} imports {name}"
                for path in sources(BASE / app) for name in sorted(imported_roots(path))
                if name.split(".")[0] == "ledger" and name != "ledger"
                and not any(name == a or name.startswith(a + ".") for a in allowed)]
    assert offences == []
