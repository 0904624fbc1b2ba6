"""Read a permission matrix from its Markdown page, so the document and the code cannot drift.

Each module's matrix is a Markdown table whose first column is "Persona" and whose rows name a
persona of the `personas` fixture in backticks; every other column is a page or operation the
module's test checks with real requests. The registry's matrix is in docs/permissions.md, each
later module's in docs/permissions/<module>.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

# Which fixture facilities each persona's mandate covers (the `personas` fixture in conftest.py),
# written out here once, independently of accounts/permissions.py, for every module's matrix test.
MANDATES: dict[str, set[str]] = {
    "npm_monitor": {"colony", "other_colony", "special_school"},
    "analyst": {"colony", "other_colony", "special_school"},
    "ombudsman_monitor": {"special_school"},
    "prosecutor": {"colony", "other_colony", "special_school"},
    "pmc_member": {"colony"},
    "facility_officer": {"colony"},
    "outsider": set(),
    "oversight_admin": set(),
}
FACILITIES = ("colony", "other_colony", "special_school")

VALUES = frozenset({"yes", "no", "own facility", "own organisation", "404", "—"})


def parse_matrix(text: str, *, first_column: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    """The table whose header starts "| Persona | <first_column> |": (columns, {persona: {column: cell}})."""
    lines = [line.strip() for line in text.splitlines()]
    pattern = re.compile(r"^\|\s*Persona\s*\|\s*" + re.escape(first_column) + r"\s*\|")
    start = next((i for i, line in enumerate(lines) if pattern.match(line)), None)
    if start is None:
        raise ValueError(f"no table whose columns start with Persona, {first_column}")
    header = [cell.strip() for cell in lines[start].strip("|").split("|")]
    rows: dict[str, dict[str, str]] = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) != len(header):
            raise ValueError(f"row has {len(cells)} cells, header {len(header)}: {line}")
        persona = re.search(r"`(\w+)`", cells[0])
        if not persona:
            raise ValueError(f"row names no persona in backticks: {cells[0]}")
        rows[persona.group(1)] = dict(zip(header[1:], cells[1:], strict=True))
    return header[1:], rows


def read_matrix(path: Path, *, first_column: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    return parse_matrix(path.read_text(encoding="utf-8"), first_column=first_column)


def assert_document_matches(matrix: dict[str, dict[str, str]], columns: list[str], *, personas: Iterable[str],
                            checks: Iterable[str]) -> None:
    """The page names exactly these personas and these checked columns, and only known cell values."""
    assert set(matrix) == set(personas)
    assert set(columns) == set(checks)
    for persona, row in matrix.items():
        for column, cell in row.items():
            assert cell in VALUES, f"{persona} / {column}: {cell!r}"
