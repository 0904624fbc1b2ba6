"""The body chart: front and back, the regions an injury is placed on, and their outlines.

One list serves the form's choices, the SVG the page draws and the validation of the service.
Coordinates are in a 200 x 420 box per side; the outlines are simple shapes, enough to point at.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Region:
    code: str
    label: object
    shape: str  # "ellipse" or "rect"
    box: tuple[int, int, int, int]  # ellipse: cx, cy, rx, ry; rect: x, y, width, height


_PARTS = [
    ("head", _("head"), "ellipse", (100, 35, 24, 30)),
    ("neck", _("neck"), "rect", (88, 64, 24, 16)),
    ("chest", _("chest"), "rect", (62, 80, 76, 60)),
    ("abdomen", _("abdomen"), "rect", (66, 140, 68, 60)),
    ("right_upper_arm", _("right upper arm"), "rect", (36, 84, 24, 70)),
    ("left_upper_arm", _("left upper arm"), "rect", (140, 84, 24, 70)),
    ("right_forearm", _("right forearm and hand"), "rect", (28, 156, 22, 90)),
    ("left_forearm", _("left forearm and hand"), "rect", (150, 156, 22, 90)),
    ("right_thigh", _("right thigh"), "rect", (66, 202, 32, 90)),
    ("left_thigh", _("left thigh"), "rect", (102, 202, 32, 90)),
    ("right_lower_leg", _("right lower leg and foot"), "rect", (68, 294, 28, 110)),
    ("left_lower_leg", _("left lower leg and foot"), "rect", (104, 294, 28, 110)),
]
SIDES = (("front", _("front")), ("back", _("back")))
# On the back the chest is the upper back and the abdomen the lower back and buttocks.
_BACK_LABELS = {"chest": _("upper back"), "abdomen": _("lower back and buttocks")}

REGIONS: dict[str, Region] = {}
for side, _side_label in SIDES:
    for code, label, shape, box in _PARTS:
        shown = _BACK_LABELS.get(code, label) if side == "back" else label
        REGIONS[f"{side}_{code}"] = Region(f"{side}_{code}", shown, shape, box)


def choices() -> list[tuple[str, str]]:
    from django.utils.translation import gettext

    side_of = dict(SIDES)
    return [(code, f"{gettext(side_of[code.split('_', 1)[0]])}: {gettext(region.label)}")
            for code, region in REGIONS.items()]


def outlines(side: str) -> list[Region]:
    return [region for code, region in REGIONS.items() if code.startswith(side + "_")]
