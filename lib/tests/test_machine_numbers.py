"""Numbers that a machine reads from a template - a hidden field's record id, an element's id and the
labels, links and scripts that point at it, a query string's page or ledger index, a data-* attribute
a script or a test reads - are plain integers in every language. Kazakh and Russian group thousands
with a non-breaking space (USE_THOUSAND_SEPARATOR), so without ``unlocalize`` record 1,000 goes out as
"1 000": a form posts an id no view can read and a label points at no field. Numbers written for
people keep the language's grouping.

The check reads every template; an expression in a machine-read attribute passes only if it ends in
``|unlocalize``, is a date in a fixed format, or is one of the expressions below known not to be a
number. A new template that writes a pk in such a place without ``unlocalize`` fails here."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

# Attributes read by a browser, a script, htmx or a form, not by a person.
MACHINE = re.compile(
    r"data-[\w-]+|value|id|name|for|form|list|headers|href|action|src|min|max|step|maxlength|minlength"
    r"|rows|cols|colspan|rowspan|tabindex|hx-[\w-]+|aria-(?!label$|description$|roledescription$|valuetext$)[\w-]+")
# An attribute whose value holds a template expression (the value may run over several lines).
ATTRIBUTE = re.compile(r'(?<![\w-])([a-zA-Z][\w:-]*)="([^"]*\{\{[^"]*)"')
EXPRESSION = re.compile(r"\{\{\s*(.*?)\s*\}\}")
# data-* attributes that carry words, not numbers: codes, keys, states, kinds.
TEXT_DATA = {"data-alert", "data-event", "data-status", "data-kind", "data-measure", "data-programme",
             "data-region", "data-indicator", "data-zone", "data-camera", "data-coverage-state", "data-code",
             "data-seal-to", "data-recordable"}
# Expressions that are never numbers: form ids, links and query strings built by views, language and
# indicator codes, labels, choice values of text choices, the text a person typed, a user name, the
# ISO date of a population count being corrected.
NOT_A_NUMBER = re.compile(
    r"(\w+\.)*(id_for_label|auto_id)"
    r"|(\w+\.)*(\w+_)?(href|url)|follow_up|query|request\.[\w.]+|next|code|LANGUAGE_CODE|language|id"
    r"|(\w+\.)*(label|name|username|data_uri)|correcting|value|row\.shown|row\.edit|figure\.key|seal_to"
    r"|(\w+\.)*value\|default:''"
    r"|.*\|(yesno|urlencode|date|stringformat)(:.*)?")


def _templates() -> list[Path]:
    base = Path(settings.BASE_DIR)
    return sorted(p for p in [*base.glob("templates/**/*.html"), *base.glob("*/templates/**/*.html")]
                  if ".venv" not in p.parts)


def machine_read_expressions() -> list[tuple[str, str, str]]:
    """Every (place, attribute, expression) of a template expression in a machine-read attribute."""
    found = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for match in ATTRIBUTE.finditer(text):
            name, value = match.groups()
            if not MACHINE.fullmatch(name) or name in TEXT_DATA:
                continue
            line_no = text.count("\n", 0, match.start()) + 1
            for expression in EXPRESSION.findall(value):
                found.append((f"{path.relative_to(settings.BASE_DIR)}:{line_no}", name, expression))
    return found


def test_every_number_a_machine_reads_from_a_template_is_written_unlocalised():
    found = machine_read_expressions()
    missing = [f"{place} {name}={expression}" for place, name, expression in found
               if not expression.replace(" ", "").endswith("|unlocalize")
               and not NOT_A_NUMBER.fullmatch(expression.replace(" ", ""))]
    assert len(found) > 150  # the check reads the templates it is meant to
    assert {"value", "id", "for", "href", "name", "data-finding"} <= {name for _, name, _ in found}
    assert missing == []


def test_the_check_refuses_a_pk_written_as_it_is():
    assert not NOT_A_NUMBER.fullmatch("finding.pk")
    assert not NOT_A_NUMBER.fullmatch("page.next_page_number")
    assert not NOT_A_NUMBER.fullmatch("forloop.counter")
    assert not NOT_A_NUMBER.fullmatch("answer.version|default:0")
    assert NOT_A_NUMBER.fullmatch("field.id_for_label")
