"""Pictograms for people who read little: inline SVG (no external files, nothing the CSP must allow).

Each is a 64x64 line drawing in ``currentColor`` with presentation attributes only (a ``style``
attribute would need 'unsafe-inline'). They repeat the text beside them, so they are hidden from
screen readers.
"""

from __future__ import annotations

_PATHS = {
    # a raised hand saying stop, over a figure: torture or ill-treatment
    "torture": '<circle cx="24" cy="14" r="6"/><path d="M24 20v18m0 0-8 16m8-16 8 16M12 30l12-6 8 6"/>'
               '<path d="M44 34V18m0 0a3 3 0 0 1 6 0v14m-6-10a3 3 0 0 0-6 0v12c0 8 5 12 11 12s9-4 9-12V24'
               'a3 3 0 0 0-6 0"/>',
    # a medical cross in a heart-shaped shield: health care
    "health": '<rect x="10" y="10" width="44" height="44" rx="8"/><path d="M32 20v24M20 32h24" stroke-width="7"/>',
    # a cell window with bars and a bed: conditions
    "conditions": '<rect x="8" y="8" width="30" height="24" rx="2"/><path d="M16 8v24M23 8v24M30 8v24"/>'
                  '<path d="M8 50h48M10 50V40h44v10M14 40v-4h12v4"/>',
    # two adults and a child: contact with family
    "family": '<circle cx="18" cy="14" r="6"/><circle cx="46" cy="14" r="6"/><circle cx="32" cy="32" r="4"/>'
              '<path d="M18 20v30M46 20v30M10 30l8-6 8 6M38 30l8-6 8 6M32 36v16M26 44h12"/>',
    # the scales of justice: legal aid
    "legal_aid": '<path d="M32 8v46M18 54h28M12 18h40M12 18 4 36h16zM52 18l-8 18h16z"/>'
                 '<path d="M4 36a8 5 0 0 0 16 0M44 36a8 5 0 0 0 16 0"/>',
    # a warning triangle with an eye: threats or reprisals
    "reprisal": '<path d="M32 6 60 56H4z"/><path d="M18 40c8-10 20-10 28 0-8 10-20 10-28 0z"/>'
                '<circle cx="32" cy="40" r="3"/>',
    # a speech bubble with three dots: something else
    "other": '<path d="M8 12h48v32H28l-12 10V44H8z"/><circle cx="22" cy="28" r="2"/><circle cx="32" cy="28" r="2"/>'
             '<circle cx="42" cy="28" r="2"/>',
    # an alarm: urgent danger
    "urgent": '<circle cx="32" cy="34" r="22"/><path d="M32 20v18" stroke-width="7"/><circle cx="32" cy="47" r="2.5"/>'
              '<path d="M8 12l8-6M56 12l-8-6"/>',
    # a sheet and a pen: make a complaint
    "complaint": '<path d="M12 6h28l10 10v42H12z"/><path d="M40 6v10h10M20 26h22M20 34h22M20 42h12"/>'
                 '<path d="M44 52 58 38l4 4-14 14h-4z"/>',
    # a key: the receipt code
    "key": '<circle cx="20" cy="32" r="10"/><path d="M30 32h28M50 32v10M42 32v8"/>',
    # a microphone
    "mic": '<rect x="24" y="6" width="16" height="30" rx="8"/><path d="M14 30a18 18 0 0 0 36 0M32 48v10M22 58h20"/>',
    "stop": '<rect x="16" y="16" width="32" height="32" rx="4"/>',
    "trash": '<path d="M10 16h44M24 16V8h16v8M16 16l4 40h24l4-40M28 26v20M36 26v20"/>',
    # a person, a masked person: name or anonymous
    "person": '<circle cx="32" cy="18" r="10"/><path d="M12 58c0-14 9-22 20-22s20 8 20 22"/>',
    "anonymous": '<circle cx="32" cy="18" r="10"/><path d="M12 58c0-14 9-22 20-22s20 8 20 22M20 16h24"/>'
                 '<path d="M22 16v4h7v-4M35 16v4h7v-4"/>',
    # a child: under 18
    "child": '<circle cx="32" cy="20" r="8"/><path d="M32 28v16m0 0-6 12m6-12 6 12M22 36l10-4 10 4"/>',
    # two people talking: a private visit
    "visit": '<circle cx="16" cy="22" r="6"/><circle cx="48" cy="22" r="6"/>'
             '<path d="M6 56c0-12 4-20 10-20s10 8 10 20M38 56c0-12 4-20 10-20s10 8 10 20"/>'
             '<path d="M24 6h16v10h-6l-4 4v-4h-6z"/>',
    # a shield: safety
    "shield": '<path d="M32 6 54 14v16c0 14-9 24-22 28C19 54 10 44 10 30V14z"/><path d="M22 32l7 7 13-14"/>',
    "yes": '<path d="M12 34l13 13 27-28" stroke-width="7"/>',
    "no": '<path d="M16 16l32 32M48 16 16 48" stroke-width="7"/>',
    "unknown": '<circle cx="32" cy="32" r="24"/><path d="M24 26a8 8 0 1 1 12 7c-3 2-4 3-4 7"/>'
               '<circle cx="32" cy="47" r="2"/>',
    "risk_none": '<circle cx="32" cy="32" r="24"/><path d="M22 38c6 6 14 6 20 0"/><circle cx="24" cy="26" r="2"/>'
                 '<circle cx="40" cy="26" r="2"/>',
    "risk_some": '<circle cx="32" cy="32" r="24"/><path d="M22 40h20"/><circle cx="24" cy="26" r="2"/>'
                 '<circle cx="40" cy="26" r="2"/>',
    "risk_high": '<circle cx="32" cy="32" r="24"/><path d="M22 44c6-6 14-6 20 0"/><circle cx="24" cy="26" r="2"/>'
                 '<circle cx="40" cy="26" r="2"/>',
    "language": '<path d="M6 8h30v20H18l-8 6v-6H6z"/><path d="M28 32h30v20h-4v6l-8-6H28z"/>',
    "back": '<path d="M40 12 20 32l20 20" stroke-width="6"/>',
    "next": '<path d="M24 12l20 20-20 20" stroke-width="6"/>',
    "send": '<path d="M6 30 58 8 44 56 30 38zM30 38l28-30"/>',
    "home": '<path d="M8 30 32 8l24 22M14 26v30h36V26M26 56V40h12v16"/>',
    "lock": '<rect x="14" y="28" width="36" height="28" rx="4"/><path d="M22 28v-8a10 10 0 0 1 20 0v8"/>'
            '<circle cx="32" cy="42" r="3"/>',
}

NAMES = frozenset(_PATHS)


def svg(name: str, *, size: int = 64) -> str:
    """The pictogram ``name`` as an inline <svg> element."""
    return (
        f'<svg class="pict" width="{size}" height="{size}" viewBox="0 0 64 64" aria-hidden="true" focusable="false" '
        'fill="none" stroke="currentColor" stroke-width="4" stroke-linecap="round" stroke-linejoin="round">'
        f"{_PATHS[name]}</svg>"
    )
