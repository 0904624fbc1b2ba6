"""Forms of the ledger pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ledger.encoding import HEX_HASH_RE


class EntrySearchForm(forms.Form):
    """Find an entry by its RFC 9162 leaf hash, SHA-256(0x00 || entry), in hex."""

    hash = forms.CharField(
        label=_("Entry hash"),
        max_length=80,
        help_text=_("The entry's leaf hash: 64 hexadecimal digits, as printed on a receipt or proof."),
    )

    def clean_hash(self) -> bytes:
        value = self.cleaned_data["hash"].strip().lower()
        if not HEX_HASH_RE.match(value):
            raise forms.ValidationError(_("Enter 64 hexadecimal digits (0-9, a-f)."), code="invalid")
        return bytes.fromhex(value)
