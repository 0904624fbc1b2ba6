"""A small reader of gettext .po files, enough to check our catalogues are complete."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class PoEntry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def translated(self) -> bool:
        return not self.fuzzy and bool(self.msgstr) and all(self.msgstr.values())


def read_po(path: Path) -> list[PoEntry]:
    """Entries of a .po file, without the header entry and obsolete (#~) entries."""
    entries: list[PoEntry] = []
    current = PoEntry()
    target: tuple[str, int | None] | None = None
    started = False

    def flush() -> None:
        nonlocal current, started
        if started and current.msgid:
            entries.append(current)
        current, started = PoEntry(), False

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            target = None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            if started:
                flush()
            current.fuzzy = "fuzzy" in line
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            value = ast.literal_eval(line)
            _append(current, target, value)
            continue
        value = ast.literal_eval(rest)
        if keyword == "msgctxt":
            if started and current.msgid:
                flush()
            started = True
            current.msgctxt, target = value, ("msgctxt", None)
        elif keyword == "msgid":
            if started and current.msgstr:
                flush()
            started = True
            current.msgid, target = value, ("msgid", None)
        elif keyword == "msgid_plural":
            current.msgid_plural, target = value, ("msgid_plural", None)
        elif keyword == "msgstr":
            current.msgstr[0], target = value, ("msgstr", 0)
        elif keyword.startswith("msgstr["):
            index = int(keyword[7:-1])
            current.msgstr[index], target = value, ("msgstr", index)
    flush()
    return entries


def _append(entry: PoEntry, target: tuple[str, int | None] | None, value: str) -> None:
    if target is None:
        return
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] = entry.msgstr.get(index, "") + value
    else:
        setattr(entry, name, (getattr(entry, name) or "") + value)
