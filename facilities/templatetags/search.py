"""`{% load search %}{% search_placeholder %}`: the search box's examples in the reader's language."""

from __future__ import annotations

from django import template

from facilities import search

register = template.Library()


@register.simple_tag
def search_placeholder() -> str:
    return search.search_placeholder()
