"""Changes to accounts: issuing and revoking API tokens.

A raw token is returned once, by `issue_api_token`, and never stored: the database keeps only
its SHA-256, so a copy of the database cannot be used to call the API.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, User, hash_token

logger = logging.getLogger("custodywatch.accounts")

LABEL_MAX_LENGTH = ApiToken._meta.get_field("label").max_length


def _may_act_for(by: User | None, user: User) -> bool:
    # None is the server's command line, whose operator already controls the database.
    return by is None or by.pk == user.pk or by.is_superuser


def _clean_label(label: Any) -> str:
    if not isinstance(label, str) or not label.strip():
        raise ValidationError({"label": _("Give the token a label, e.g. the name of the client that uses it.")})
    label = label.strip()
    if len(label) > LABEL_MAX_LENGTH:
        raise ValidationError({"label": _("At most %(max)s characters.") % {"max": LABEL_MAX_LENGTH}})
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in label):
        raise ValidationError({"label": _("Control characters are not allowed.")})
    return label


@transaction.atomic
def issue_api_token(*, user: User, label: str, by: User | None) -> tuple[ApiToken, str]:
    """Issue a bearer token for `user`; returns the record and the raw token, shown only this once.

    `by` is the person issuing it: the user themself, a superuser, or None for the command line.
    """
    if not _may_act_for(by, user):
        raise PermissionDenied(_("You may issue tokens only for yourself."))
    if not user.is_active:
        raise ValidationError({"user": _("This account is deactivated.")})
    raw = ApiToken.new_raw_token()
    token = ApiToken.objects.create(user=user, label=_clean_label(label), token_hash=hash_token(raw))
    logger.info("api:token:issued id=%s user=%s by=%s", token.pk, user.pk, by.pk if by else "cli")
    return token, raw


@transaction.atomic
def revoke_api_token(*, token: ApiToken, by: User | None) -> ApiToken:
    """Revoke a token from now on; revoking a revoked token changes nothing."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if not _may_act_for(by, token.user):
        raise PermissionDenied(_("You may revoke only your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        logger.info("api:token:revoked id=%s user=%s by=%s", token.pk, token.user_id, by.pk if by else "cli")
    return token
