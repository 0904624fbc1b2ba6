"""Kazakhstan's 17 regions and 3 cities of republican significance, as the demo country uses them.

Codes are ISO 3166-2:KZ (the numeric codes in force since 2022). Besides the names in three
languages each region carries the genitive forms that organisation names need ("Police
Department of ...") and a few knobs for the generator: the fictional two-letter prefix of its
penal institutions' codes, how much of the penal estate it holds, how many police temporary
detention centres it has, and whether it has a pre-trial centre and a special reception centre.
"""

from __future__ import annotations

from dataclasses import dataclass

from facilities.models import RegionKind


@dataclass(frozen=True)
class RegionSpec:
    code: str
    kind: str
    name_kk: str
    name_ru: str
    name_en: str
    # "of X Region" in each language: Қарағанды облысының / Карагандинской области.
    genitive_kk: str
    genitive_ru: str
    penal_prefix: str  # fictional, in the shape of real codes: "AK-159" -> "AK-159/4"
    penal_weight: int  # relative share of the colonies placed here
    police_tdcs: int  # temporary detention centres: one per district police, more in big regions
    has_pretrial: bool
    has_special_reception: bool


def _region(code: str, kk: str, ru: str, en: str, gen_kk: str, gen_ru: str, prefix: str, weight: int,
            tdcs: int, *, pretrial: bool = True, reception: bool = True) -> RegionSpec:
    return RegionSpec(code, RegionKind.REGION, kk, ru, en, gen_kk, gen_ru, prefix, weight, tdcs,
                      pretrial, reception)


def _city(code: str, kk: str, ru: str, en: str, gen_ru: str, prefix: str, weight: int, tdcs: int,
          *, pretrial: bool = True, reception: bool = True) -> RegionSpec:
    return RegionSpec(code, RegionKind.CITY, kk, ru, en, f"{kk} қаласының", gen_ru, prefix, weight, tdcs,
                      pretrial, reception)


REGIONS: tuple[RegionSpec, ...] = (
    _region("KZ-10", "Абай облысы", "Абайская область", "Abai Region",
            "Абай облысының", "Абайской области", "SM-170", 3, 6, pretrial=False),
    _region("KZ-11", "Ақмола облысы", "Акмолинская область", "Akmola Region",
            "Ақмола облысының", "Акмолинской области", "EC-166", 5, 8),
    _region("KZ-15", "Ақтөбе облысы", "Актюбинская область", "Aktobe Region",
            "Ақтөбе облысының", "Актюбинской области", "GM-172", 3, 7),
    _region("KZ-19", "Алматы облысы", "Алматинская область", "Almaty Region",
            "Алматы облысының", "Алматинской области", "LA-155", 5, 8),
    _region("KZ-23", "Атырау облысы", "Атырауская область", "Atyrau Region",
            "Атырау облысының", "Атырауской области", "AT-158", 2, 4, reception=False),
    _region("KZ-27", "Батыс Қазақстан облысы", "Западно-Казахстанская область", "West Kazakhstan Region",
            "Батыс Қазақстан облысының", "Западно-Казахстанской области", "UG-157", 3, 6),
    _region("KZ-31", "Жамбыл облысы", "Жамбылская область", "Jambyl Region",
            "Жамбыл облысының", "Жамбылской области", "ZD-165", 4, 6),
    _region("KZ-33", "Жетісу облысы", "Жетысуская область", "Jetisu Region",
            "Жетісу облысының", "Жетысуской области", "TK-173", 2, 5, pretrial=False, reception=False),
    _region("KZ-35", "Қарағанды облысы", "Карагандинская область", "Karaganda Region",
            "Қарағанды облысының", "Карагандинской области", "AK-159", 8, 9),
    _region("KZ-39", "Қостанай облысы", "Костанайская область", "Kostanay Region",
            "Қостанай облысының", "Костанайской области", "KS-161", 4, 8),
    _region("KZ-43", "Қызылорда облысы", "Кызылординская область", "Kyzylorda Region",
            "Қызылорда облысының", "Кызылординской области", "KA-168", 3, 5),
    _region("KZ-47", "Маңғыстау облысы", "Мангистауская область", "Mangystau Region",
            "Маңғыстау облысының", "Мангистауской области", "MN-167", 2, 3, reception=False),
    _region("KZ-55", "Павлодар облысы", "Павлодарская область", "Pavlodar Region",
            "Павлодар облысының", "Павлодарской области", "AP-162", 5, 6),
    _region("KZ-59", "Солтүстік Қазақстан облысы", "Северо-Казахстанская область", "North Kazakhstan Region",
            "Солтүстік Қазақстан облысының", "Северо-Казахстанской области", "PT-164", 4, 7,
            pretrial=False),
    _region("KZ-61", "Түркістан облысы", "Туркестанская область", "Turkistan Region",
            "Түркістан облысының", "Туркестанской области", "TR-160", 3, 10),
    _region("KZ-62", "Ұлытау облысы", "Улытауская область", "Ulytau Region",
            "Ұлытау облысының", "Улытауской области", "ZH-174", 2, 2, pretrial=False, reception=False),
    _region("KZ-63", "Шығыс Қазақстан облысы", "Восточно-Казахстанская область", "East Kazakhstan Region",
            "Шығыс Қазақстан облысының", "Восточно-Казахстанской области", "OV-156", 5, 7),
    _city("KZ-71", "Астана", "Астана", "Astana", "города Астаны", "AS-163", 1, 4),
    _city("KZ-75", "Алматы", "Алматы", "Almaty", "города Алматы", "AL-169", 1, 6),
    _city("KZ-79", "Шымкент", "Шымкент", "Shymkent", "города Шымкента", "SH-175", 1, 4, reception=False),
)

REGIONS_BY_CODE: dict[str, RegionSpec] = {r.code: r for r in REGIONS}
