"""The standards catalogue: versions, themes and indicators, as loaded from visits/standards/.

A version is never changed once loaded: a later catalogue is a new version with its own rows,
so the answers given under an earlier one keep pointing at the indicator they answered.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def in_reader_language(instance: models.Model, base: str) -> str:
    """`<base>_kk` / `<base>_ru` for Kazakh and Russian readers, else the English `<base>_en`."""
    language = (get_language() or "en")[:2]
    if language in ("kk", "ru"):
        return getattr(instance, f"{base}_{language}") or getattr(instance, f"{base}_en")
    return getattr(instance, f"{base}_en")


class CatalogueVersion(models.Model):
    """One loaded catalogue: the international indicators and the national rules together."""

    version = models.CharField(_("version"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    # SHA-256 of the files it was loaded from: loading the same files again is a no-op, and
    # loading changed files under the same version label is refused.
    digest = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-loaded_at", "-id"]
        get_latest_by = "loaded_at"

    def __str__(self) -> str:
        return self.version


class Theme(models.Model):
    catalogue = models.ForeignKey(CatalogueVersion, on_delete=models.PROTECT, related_name="themes")
    key = models.SlugField(max_length=64)
    id_prefix = models.CharField(max_length=16)
    position = models.PositiveSmallIntegerField(default=0)
    label_en = models.CharField(max_length=255)
    label_kk = models.CharField(max_length=255, default="", blank=True)
    label_ru = models.CharField(max_length=255, default="", blank=True)

    class Meta:
        ordering = ["catalogue_id", "position"]
        constraints = [models.UniqueConstraint(fields=["catalogue", "key"], name="theme_key_unique_in_catalogue")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return in_reader_language(self, "label")


class AnswerType(models.TextChoices):
    YES_NO = "yes_no", _("yes or no")
    COUNT = "count", _("count")
    RATIO = "ratio", _("share (0 to 1)")
    MEASUREMENT = "measurement", _("measurement")
    CHOICE = "choice", _("choice")


class Severity(models.TextChoices):
    CRITICAL = "critical", _("critical")
    HIGH = "high", _("high")
    MEDIUM = "medium", _("medium")
    LOW = "low", _("low")


class IndicatorOrigin(models.TextChoices):
    INTERNATIONAL = "international", _("international standard")
    NATIONAL = "national", _("national rule")


class Indicator(models.Model):
    """One question of the checklist and the rule its answer is checked against.

    `threshold` is the catalogue's machine-readable rule as written (`expected`, `operator` and
    `value`, or `compliant_options`); visits.checks reads it, nothing else does. `references` is a
    list of {instrument, provision, note, confirmed}.
    """

    catalogue = models.ForeignKey(CatalogueVersion, on_delete=models.PROTECT, related_name="indicators")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="indicators")
    code = models.CharField(_("indicator"), max_length=32)
    origin = models.CharField(max_length=16, choices=IndicatorOrigin.choices, default=IndicatorOrigin.INTERNATIONAL)
    position = models.PositiveSmallIntegerField(default=0)
    # The catalogue's facility types (visits.standards.CATALOGUE_TYPES), not the registry's.
    facility_types = models.JSONField(default=list)
    question_en = models.TextField()
    question_kk = models.TextField(default="", blank=True)
    question_ru = models.TextField(default="", blank=True)
    compliant_if_en = models.TextField(default="", blank=True)
    compliant_if_kk = models.TextField(default="", blank=True)
    compliant_if_ru = models.TextField(default="", blank=True)
    answer_type = models.CharField(max_length=16, choices=AnswerType.choices)
    unit = models.CharField(max_length=32, default="", blank=True)
    # The unit as read in each language: {"en": "m² per person", "kk": ..., "ru": ...}.
    unit_labels = models.JSONField(default=dict, blank=True)
    # For choice answers: [{"value", "label_en", "label_kk", "label_ru"}], in the catalogue's order.
    options = models.JSONField(default=list, blank=True)
    threshold = models.JSONField(default=dict)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    escalation = models.TextField(default="", blank=True)
    method = models.JSONField(default=list, blank=True)
    references = models.JSONField(default=list)
    kz_context = models.TextField(default="", blank=True)

    class Meta:
        ordering = ["catalogue_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["catalogue", "code"], name="indicator_code_unique_in_catalogue"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def question(self) -> str:
        return in_reader_language(self, "question")

    @property
    def compliant_if(self) -> str:
        return in_reader_language(self, "compliant_if")

    @property
    def unconfirmed_references(self) -> list[dict]:
        return [r for r in self.references if not r.get("confirmed")]

    @property
    def has_unconfirmed_reference(self) -> bool:
        return bool(self.unconfirmed_references)

    @property
    def is_tracking(self) -> bool:
        """A tracking indicator has no numeric norm: its answers are recorded, never judged."""
        return self.answer_type not in (AnswerType.YES_NO, AnswerType.CHOICE) and self.threshold.get("value") is None

    @property
    def unit_label(self) -> str:
        language = (get_language() or "en")[:2]
        return self.unit_labels.get(language) or self.unit_labels.get("en") or self.unit

    def option_label(self, value: str) -> str:
        language = (get_language() or "en")[:2]
        for option in self.options:
            if option["value"] == value:
                return option.get(f"label_{language}") or option.get("label_en") or value
        return value
