"""The demo country's oversight bodies and facility operators, named in Kazakh, Russian and English.

The state bodies carry their generic official titles; the NGOs running crisis centres are
invented. Codes are stable slugs: the loader recognises an already loaded demo by `NPM_CODE`.
"""

# Kazakh and Russian names are Cyrillic by design; some of their words look like Latin ones.
# ruff: noqa: RUF001

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import OrganisationKind
from facilities.demo.geography import REGIONS, RegionSpec

NPM_CODE = "npm"
CHILDRENS_OMBUDSMAN_CODE = "childrens-ombudsman"
PROSECUTOR_CODE = "prosecutor-general"
PENAL_COMMITTEE_CODE = "penal-committee"
EDUCATION_MINISTRY_CODE = "ministry-education"


@dataclass(frozen=True)
class OrganisationSpec:
    code: str
    kind: str
    name_kk: str
    name_ru: str
    name_en: str
    region_code: str | None = None


def pmc_code(region: RegionSpec) -> str:
    return f"pmc-{region.code.lower()}"


def police_code(region: RegionSpec) -> str:
    return f"police-{region.code.lower()}"


def akimat_code(region: RegionSpec) -> str:
    return f"akimat-{region.code.lower()}"


# Invented public foundations and associations that run some of the crisis centres.
CRISIS_NGOS: tuple[OrganisationSpec, ...] = tuple(
    OrganisationSpec(code, OrganisationKind.OPERATOR, kk, ru, en)
    for code, kk, ru, en in (
        ("ngo-safe-home", "«Қауіпсіз үй» қоғамдық қоры", "Общественный фонд «Безопасный дом»",
         "Public Foundation “Safe Home”"),
        ("ngo-open-door", "«Ашық есік» қоғамдық бірлестігі", "Общественное объединение «Открытая дверь»",
         "Public Association “Open Door”"),
        ("ngo-warm-hearth", "«Жылы ошақ» қоғамдық қоры", "Общественный фонд «Тёплый очаг»",
         "Public Foundation “Warm Hearth”"),
        ("ngo-bright-path", "«Жарық жол» қоғамдық қоры", "Общественный фонд «Светлый путь»",
         "Public Foundation “Bright Path”"),
        ("ngo-support-network", "«Әйелдерді қолдау желісі» қоғамдық бірлестігі",
         "Общественное объединение «Сеть поддержки женщин»", "Public Association “Women's Support Network”"),
    )
)


def organisations() -> list[OrganisationSpec]:
    """Every organisation of the demo country, oversight bodies first."""
    oversight = [
        OrganisationSpec(
            NPM_CODE, OrganisationKind.NPM,
            "Адам құқықтары жөніндегі уәкіл жанындағы ұлттық алдын алу тетігі",
            "Национальный превентивный механизм при Уполномоченном по правам человека",
            "National Preventive Mechanism under the Human Rights Commissioner",
        ),
        OrganisationSpec(
            CHILDRENS_OMBUDSMAN_CODE, OrganisationKind.CHILDRENS_OMBUDSMAN,
            "Бала құқықтары жөніндегі уәкіл", "Уполномоченный по правам ребёнка",
            "Commissioner for Children's Rights",
        ),
        OrganisationSpec(
            PROSECUTOR_CODE, OrganisationKind.PROSECUTOR,
            "Қазақстан Республикасының Бас прокуратурасы", "Генеральная прокуратура Республики Казахстан",
            "Prosecutor General's Office of the Republic of Kazakhstan",
        ),
    ]
    oversight += [
        OrganisationSpec(
            pmc_code(r), OrganisationKind.PUBLIC_MONITORING_COMMISSION,
            f"{r.genitive_kk} қоғамдық бақылау комиссиясы",
            f"Общественная наблюдательная комиссия {r.genitive_ru}",
            f"Public Monitoring Commission of {r.name_en}",
            r.code,
        )
        for r in REGIONS
    ]
    operators = [
        OrganisationSpec(
            PENAL_COMMITTEE_CODE, OrganisationKind.OPERATOR,
            "ҚР ІІМ Қылмыстық-атқару жүйесі комитеті", "Комитет уголовно-исполнительной системы МВД РК",
            "Penal System Committee of the Ministry of Internal Affairs",
        ),
        OrganisationSpec(
            EDUCATION_MINISTRY_CODE, OrganisationKind.OPERATOR,
            "Қазақстан Республикасының Оқу-ағарту министрлігі", "Министерство просвещения Республики Казахстан",
            "Ministry of Education of the Republic of Kazakhstan",
        ),
    ]
    operators += [
        OrganisationSpec(
            police_code(r), OrganisationKind.OPERATOR,
            f"{r.genitive_kk} полиция департаменті", f"Департамент полиции {r.genitive_ru}",
            f"Police Department of {r.name_en}", r.code,
        )
        for r in REGIONS
    ]
    operators += [
        OrganisationSpec(
            akimat_code(r), OrganisationKind.OPERATOR,
            f"{r.genitive_kk} әкімдігі", f"Акимат {r.genitive_ru}", f"Akimat of {r.name_en}", r.code,
        )
        for r in REGIONS
    ]
    return oversight + operators + list(CRISIS_NGOS)
