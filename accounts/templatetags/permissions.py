from __future__ import annotations

from django import template

from accounts.permissions import can as user_can

register = template.Library()


@register.filter
def can(user, capability: str) -> bool:
    """`{% if user|can:"view_overview" %}`: for showing links only; views check again."""
    return user_can(user, capability)
