"""The demo country's addresses and living-unit names in Kazakh, Russian and English.

The generator names a unit in English ("Cell 12", "Medical unit"); `unit_names` gives the same
name in the three languages, so no English shows through on a Kazakh or Russian page. Addresses
are fictional but written as each language writes them: "Қарағанды облысы, Абай даңғылы, 12",
"Карагандинская область, проспект Абая, 12", "12 Abay Avenue, Karaganda Region".
"""

# Kazakh and Russian names are Cyrillic by design; some of their letters look like Latin ones.
# ruff: noqa: RUF001

from __future__ import annotations

import re
from dataclasses import dataclass

from facilities.demo.geography import RegionSpec


@dataclass(frozen=True)
class InThreeLanguages:
    kk: str
    ru: str
    en: str


# (kk, ru, en) of every street an address may name.
STREETS = (
    ("Абай даңғылы", "проспект Абая", "Abay Avenue"),
    ("Төле би көшесі", "улица Толе би", "Tole Bi Street"),
    ("Өнеркәсіп көшесі", "Промышленная улица", "Industrial Street"),
    ("Теміржол көшесі", "Железнодорожная улица", "Railway Street"),
    ("Дала көшесі", "Степная улица", "Steppe Street"),
    ("Байтұрсынұлы көшесі", "улица Байтурсынова", "Baitursynuly Street"),
    ("Жастар көшесі", "улица Молодёжная", "Youth Street"),
)


def address(number: int, region: RegionSpec) -> InThreeLanguages:
    """A fictional address in a region; the street follows from the house number (no randomness)."""
    kk, ru, en = STREETS[number % len(STREETS)]
    return InThreeLanguages(
        kk=f"{region.name_kk}, {kk}, {number}",
        ru=f"{region.name_ru}, {ru}, {number}",
        en=f"{number} {en}, {region.name_en}",
    )


# The generator's English unit names (without their number) in Kazakh and Russian.
UNIT_NAMES = {
    "Cell": ("Камера", "Камера"),
    "Juvenile cell": ("Кәмелетке толмағандарға арналған камера", "Камера для несовершеннолетних"),
    "Single cell": ("Бір орындық камера", "Одиночная камера"),
    "Barracks": ("Барак үлгісіндегі жатақхана", "Общежитие барачного типа"),
    "Dormitory": ("Жатақхана", "Общежитие"),
    "Dormitory room": ("Жатын бөлме", "Спальная комната"),
    "Family room": ("Отбасылық бөлме", "Семейная комната"),
    "Disciplinary isolation cell": ("Тәртіптік изолятор камерасы", "Камера дисциплинарного изолятора"),
    "Medical unit": ("Медициналық бөлім", "Медицинская часть"),
    "Medical room": ("Медициналық кабинет", "Медицинский кабинет"),
    "Accessible unit": ("Мүгедектігі бар адамдарға арналған үй-жай", "Помещение для лиц с инвалидностью"),
    "Children's home (mother-and-child unit)": ("Сәби үйі (ана мен бала бөлімшесі)",
                                                 "Дом ребёнка (отделение матери и ребёнка)"),
    "Group of children under 14, below the age of criminal responsibility": (
        "Қылмыстық жауаптылық жасына толмаған 14 жасқа дейінгі балалар тобы",
        "Группа детей до 14 лет, не достигших возраста уголовной ответственности",
    ),
}
NUMBERED = re.compile(r"^(?P<base>.*?)(?: (?P<number>\d+))?$")


def unit_names(english: str) -> InThreeLanguages:
    """A demo unit's name in the three languages; raises KeyError for a name this module lacks."""
    match = NUMBERED.match(english)
    base, number = match["base"], match["number"]
    kk, ru = UNIT_NAMES[base] if number else UNIT_NAMES[english]
    if number is None:
        return InThreeLanguages(kk=kk, ru=ru, en=english)
    return InThreeLanguages(kk=f"{kk} № {number}", ru=f"{ru} № {number}", en=english)
