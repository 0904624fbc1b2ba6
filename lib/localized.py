"""Names kept in the three interface languages, picked by the active language."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language


def localized_field_names(base: str) -> tuple[str, str, str]:
    return (f"{base}_kk", f"{base}_ru", f"{base}_en")


class LocalizedNameMixin(models.Model):
    """A proper name stored in Kazakh, Russian and English; `name` is the one for the reader."""

    name_kk = models.CharField(max_length=255)
    name_ru = models.CharField(max_length=255)
    name_en = models.CharField(max_length=255)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        language = (get_language() or "en")[:2]
        return getattr(self, f"name_{language}", "") or self.name_en
