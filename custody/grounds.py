"""The lawful exceptions a custody register can claim, each with its ground: defined once, here.

A longer term than the ordinary one (48 hours, 24 for a minor, 3 for administrative detention) is
lawful only on a ground the law names; so is an adult sharing a cell with minors. A register row
claims an exception by stating its ground (``term_ground``, ``cell_exception``): the import, the
police system's API, the import page's list of values, the demo and the rules all read these
choices. Which hours each ground allows is the rules' business (``custody/rules/kz.yaml``).

Pure of the database: the rules engine imports it without Django's app registry.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TermGround(models.TextChoices):
    """The ground for a term longer than the ordinary one: Criminal Procedure Code art. 131(4)(1)-(6)
    for criminal detentions, Code of Administrative Offences art. 789(2)-(3) for administrative ones."""

    ESPECIALLY_GRAVE = "especially_grave", _("especially grave offence (Criminal Procedure Code, art. 131(4)(1))")
    TERRORIST_EXTREMIST = "terrorist_extremist", _(
        "terrorist or extremist offence (Criminal Procedure Code, art. 131(4)(2))")
    MASS_RIOTS = "mass_riots", _("offence committed in mass riots (Criminal Procedure Code, art. 131(4)(3))")
    CRIMINAL_GROUP = "criminal_group", _(
        "offence committed in a criminal group (Criminal Procedure Code, art. 131(4)(4))")
    DRUGS = "drugs", _("illegal trafficking of narcotic drugs or psychotropic substances "
                       "(Criminal Procedure Code, art. 131(4)(5))")
    SEXUAL_OFFENCE_AGAINST_MINOR = "sexual_offence_against_minor", _(
        "offence against the sexual inviolability of minors (Criminal Procedure Code, art. 131(4)(5))")
    INTENTIONAL_DEATH = "intentional_death", _(
        "intentional offence causing a person's death (Criminal Procedure Code, art. 131(4)(5))")
    REMOTENESS = "remoteness", _("the person cannot be brought to the investigating judge in time because of "
                                 "distance or the lack of proper roads (Criminal Procedure Code, art. 131(4)(6))")
    EMERGENCY = "emergency", _("state of emergency or emergency situation (Criminal Procedure Code, art. 131(4)(6))")
    BORDER_MIGRATION = "border_migration", _(
        "protected site, migration, State border, border or customs regime, or curfew under a state of emergency "
        "(Code of Administrative Offences, art. 789(2))")
    ADMINISTRATIVE_ARREST = "administrative_arrest", _(
        "an offence punishable by administrative arrest, until the case is heard "
        "(Code of Administrative Offences, art. 789(3))")


# Which legal basis of detention each ground belongs to: a ground of the other one is refused.
CRIMINAL_GROUNDS = frozenset({
    TermGround.ESPECIALLY_GRAVE, TermGround.TERRORIST_EXTREMIST, TermGround.MASS_RIOTS, TermGround.CRIMINAL_GROUP,
    TermGround.DRUGS, TermGround.SEXUAL_OFFENCE_AGAINST_MINOR, TermGround.INTENTIONAL_DEATH, TermGround.REMOTENESS,
    TermGround.EMERGENCY})
ADMINISTRATIVE_GROUNDS = frozenset({TermGround.BORDER_MIGRATION, TermGround.ADMINISTRATIVE_ARREST})
GROUNDS_OF_BASIS = {"criminal": CRIMINAL_GROUNDS, "administrative": ADMINISTRATIVE_GROUNDS}


class CellException(models.TextChoices):
    """The ground on which an adult may share a cell with minors (claimed on the adult's record)."""

    FIRST_TIME_ADULT = "first_time_adult", _(
        "a positively characterised adult held for the first time, placed with minors to prevent offences "
        "(Law No. 353-I, art. 32(2)(1))")
