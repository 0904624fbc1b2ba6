"""The kiosk's pages as HTML strings (standard library only; every value escaped here).

Pages work without JavaScript (every step of a form is then shown at once); kiosk.js turns a form
into one step at a time, records voice and clears the screen after inactivity. No inline script
or style anywhere: the Content-Security-Policy allows only /static/ files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from custodywatch_terminal.kiosk.messages import LANGUAGE_NAMES, LANGUAGES, MESSAGES, number, short_datetime, t
from custodywatch_terminal.kiosk.pictograms import svg

CATEGORIES = ("torture", "health", "conditions", "family", "legal_aid", "reprisal", "other")
URGENT_CATEGORIES = ("torture", "reprisal", "health", "other")
RISKS = ("none", "some", "high", "unknown")
STATUSES = ("received", "acknowledged", "under_review", "visit_requested", "referred_to_prosecutor",
            "resolved", "rejected")


@dataclass(frozen=True)
class ReplyView:
    text: str
    by: str  # the kind of body that wrote (npm, childrens_ombudsman, prosecutor), named in the page's language
    at: datetime | None
    mine: bool = False  # a message the complainant added (sealed to the bodies: not readable here)
    readable: bool = True


@dataclass(frozen=True)
class ThreadView:
    status: str | None
    ledger_index: int | None
    entries: tuple[ReplyView, ...] = field(default=())


def _button(label: str, pict: str, *, cls: str = "big", kind: str = "button", attrs: str = "", size: int = 48) -> str:
    """A large touch button: pictogram and label."""
    return (f'<button type="{kind}" class="{cls}"{attrs}>{svg(pict, size=size)}'
            f"<span>{escape(label)}</span></button>")


def _link(label: str, pict: str, href: str, *, cls: str = "big", size: int = 48) -> str:
    """A large link that clears the page on its way (kiosk.js)."""
    return (f'<a class="{cls}" href="{escape(href)}" data-clear>{svg(pict, size=size)}'
            f"<span>{escape(label)}</span></a>")


def layout(lang: str, title: str, body: str, *, idle: int, warn: int, page: str) -> str:
    top = ""
    if lang in LANGUAGES:
        top = (f'<header class="bar"><a class="bar-link" href="/{lang}/" data-clear>{svg("home", size=40)}'
               f'<span>{escape(t(lang, "start_over"))}</span></a>'
               f'<a class="bar-link" href="/" data-clear>{svg("language", size=40)}'
               f'<span>{escape(t(lang, "language"))}</span></a></header>')
    warning = ""
    if lang in LANGUAGES:
        warning = (f'<div class="idle-warning" id="idle-warning" role="alertdialog" aria-modal="true" '
                   f'aria-labelledby="idle-text" hidden><p id="idle-text">{escape(t(lang, "still_here"))}</p>'
                   f'<button type="button" class="big primary" data-continue>{escape(t(lang, "continue"))}'
                   "</button></div>")
    wait = (f'<div class="wait" id="wait" role="status" hidden><p>{escape(t(lang, "please_wait"))}</p></div>'
            if lang in LANGUAGES else "")
    html_lang = lang if lang in LANGUAGES else "kk"
    return (
        f'<!doctype html><html lang="{html_lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'

        f"<title>{escape(title)}</title>"
        '<link rel="stylesheet" href="/static/kiosk.css"><script src="/static/kiosk.js" defer></script></head>'
        f'<body data-page="{escape(page)}" data-idle="{idle}" data-warn="{warn}">{top}'
        f'<main id="main">{body}</main>{warning}{wait}</body></html>'
    )


def _big_link(href: str, pict: str, label: str, hint: str, cls: str = "") -> str:
    return (f'<a class="big tile {cls}" href="{escape(href)}">{svg(pict)}<span class="tile-text">'
            f'<strong>{escape(label)}</strong><small>{escape(hint)}</small></span></a>')


def language_page() -> str:
    links = "".join(
        f'<a class="big tile lang" href="/{code}/" lang="{code}" data-lang-choice="{code}">{svg("language")}'
        f'<span class="tile-text"><strong>{escape(name)}</strong>'
        f'<small>{escape(t(code, "choose_language"))}</small></span></a>'
        for code, name in LANGUAGE_NAMES.items()
    )
    body = f'<h1 class="visually-hidden">{escape(t("kk", "choose_language"))}</h1><div class="stack">{links}</div>'
    return body


def home_page(lang: str) -> str:
    return (
        f'<h1>{svg("lock", size=48)} {escape(t(lang, "title"))}</h1><p class="lead">{escape(t(lang, "intro"))}</p>'
        '<div class="stack">'
        + _big_link(f"/{lang}/urgent", "urgent", t(lang, "urgent"), t(lang, "urgent_hint"), "danger")
        + _big_link(f"/{lang}/complaint", "complaint", t(lang, "new_complaint"), t(lang, "new_complaint_hint"))
        + _big_link(f"/{lang}/follow-up", "key", t(lang, "follow_up"), t(lang, "follow_up_hint"))
        + "</div>"
    )


def _choice(name: str, value: str, pict: str, label: str, checked: bool, *, extra: str = "") -> str:
    return (f'<label class="choice"><input type="radio" name="{name}" value="{escape(value)}"'
            f'{" checked" if checked else ""}{extra}>{svg(pict)}<span>{escape(label)}</span></label>')


def _error(lang: str, errors: Mapping[str, str], name: str) -> str:
    if name not in errors:
        return ""
    return f'<p class="error" id="error-{name}" role="alert">{escape(t(lang, errors[name]))}</p>'


def _voice(lang: str) -> str:
    return (
        '<div class="voice" data-voice>'
        + _button(t(lang, "record"), "mic", attrs=" data-record")
        + _button(t(lang, "stop"), "stop", cls="big danger", attrs=" data-stop hidden")
        + f'<p class="recording" data-recording hidden>{escape(t(lang, "recording"))} <span data-elapsed></span></p>'
        f'<div class="recorded" data-recorded hidden>{svg("mic", size=40)}<span>{escape(t(lang, "recorded"))}</span>'
        '<audio controls data-playback></audio>'
        + _button(t(lang, "delete_recording"), "trash", attrs=" data-delete", size=40) + "</div>"
        + f'<p class="error" data-mic-error hidden>{escape(t(lang, "mic_unavailable"))}</p>'
        '<input type="file" name="voice" accept="audio/*" hidden data-voice-input tabindex="-1">'
        "</div>"
    )


def _describe(lang: str, values: Mapping[str, str], errors: Mapping[str, str]) -> str:
    described = ' aria-describedby="error-text"' if "text" in errors else ""
    return (
        f'<label class="field" for="text">{escape(t(lang, "text_label"))}</label>'
        f'<textarea id="text" name="text" rows="6" maxlength="10000" autocomplete="off" spellcheck="false"'
        f'{described}>{escape(values.get("text", ""))}</textarea>'
        + _error(lang, errors, "text") + _error(lang, errors, "voice") + _need(lang, "text", "err_text_required")
        + _voice(lang)
    )


def _need(lang: str, what: str, key: str) -> str:
    """A message kiosk.js shows when a step is left without what it needs."""
    return f'<p class="error" data-need="{what}" role="alert" hidden>{escape(t(lang, key))}</p>'


def _step(lang: str, number_: int, total: int, title: str, content: str, *, last: bool = False,
          pict: str = "") -> str:
    nav = ""
    if number_ > 1:
        nav += _button(t(lang, "back"), "back", attrs=" data-back", size=40)
    if not last:
        nav += _button(t(lang, "next"), "next", cls="big primary", attrs=" data-next", size=40)
    return (
        f'<fieldset class="step" data-step="{number_}"><legend><small class="progress">'
        f'{escape(t(lang, "step_of", step=number_, total=total))}</small>'
        f'<span>{svg(pict, size=48) if pict else ""} {escape(title)}</span></legend>{content}'
        f'<div class="nav">{nav}</div></fieldset>'
    )


def complaint_page(lang: str, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None) -> str:
    values = values or {}
    errors = errors or {}
    category = values.get("category", "")
    tiles = "".join(_choice("category", c, c, t(lang, f"cat_{c}"), category == c, extra=' data-advance')
                    for c in CATEGORIES)
    named = values.get("anonymous") == "0"
    you = (
        f'<p class="question">{escape(t(lang, "name_q"))}</p><div class="choices two">'
        + _choice("anonymous", "1", "anonymous", t(lang, "anonymous"), not named)
        + _choice("anonymous", "0", "person", t(lang, "named"), named)
        + '</div><div class="name-field" data-name-field>'
        f'<label class="field" for="name">{escape(t(lang, "name_label"))}</label>'
        f'<input id="name" name="name" maxlength="200" autocomplete="off" spellcheck="false" '
        f'value="{escape(values.get("name", ""))}"><p class="hint">{escape(t(lang, "name_hint"))}</p>'
        + _error(lang, errors, "name") + _need(lang, "name", "err_name_required") + "</div>"
        + _yes_no(lang, "minor", t(lang, "minor_q"), values.get("minor") == "1", pict="child")
    )
    risk = values.get("reprisal_risk", "")
    safety = (
        f'<p class="question">{escape(t(lang, "reprisal_q"))}</p><div class="choices four">'
        + "".join(_choice("reprisal_risk", r, f"risk_{r}" if r != "unknown" else "unknown", t(lang, f"risk_{r}"),
                          risk == r) for r in RISKS)
        + "</div>"
        + _yes_no(lang, "private_visit", t(lang, "visit_q"), values.get("private_visit") == "1", pict="visit")
    )
    send = (f'<p class="lead">{svg("lock", size=48)} {escape(t(lang, "sealed_note"))}</p>'
            + _error(lang, errors, "form")
            + _button(t(lang, "send"), "send", cls="big primary send", kind="submit"))
    total = 5
    steps = (
        _step(lang, 1, total, t(lang, "step_category"), '<div class="choices grid">' + tiles + "</div>"
              + _error(lang, errors, "category") + _need(lang, "category", "err_category_required"))
        + _step(lang, 2, total, t(lang, "step_describe"),
                f'<p class="hint">{escape(t(lang, "describe_hint"))}</p>' + _describe(lang, values, errors))
        + _step(lang, 3, total, t(lang, "step_you"), you, pict="person")
        + _step(lang, 4, total, t(lang, "step_safety"), safety, pict="shield")
        + _step(lang, 5, total, t(lang, "step_send"), send, last=True, pict="send")
    )
    return _form(lang, "complaint", steps, errors)


def _yes_no(lang: str, name: str, question: str, yes: bool, *, pict: str) -> str:
    return (
        f'<p class="question">{svg(pict, size=48)} {escape(question)}</p><div class="choices two">'
        + _choice(name, "1", "yes", t(lang, "yes"), yes)
        + _choice(name, "0", "no", t(lang, "no"), not yes)
        + "</div>"
    )


def _form(lang: str, kind: str, content: str, errors: Mapping[str, str]) -> str:
    first_error = next(iter(errors), "")
    return (
        f'<form class="steps" method="post" action="/{lang}/{kind}" enctype="multipart/form-data" '
        f'autocomplete="off" data-first-error="{escape(first_error)}" novalidate>{content}</form>'
    )


def urgent_page(lang: str, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None) -> str:
    values = values or {}
    errors = errors or {}
    category = values.get("category", "other")
    tiles = "".join(_choice("category", c, c, t(lang, f"cat_{c}"), category == c) for c in URGENT_CATEGORIES)
    content = (
        f'<h1 class="urgent-title">{svg("urgent", size=56)} {escape(t(lang, "urgent_title"))}</h1>'
        f'<p class="lead">{escape(t(lang, "urgent_intro"))}</p>'
        + _describe(lang, values, errors)
        + f'<p class="question">{escape(t(lang, "urgent_kind"))}</p><div class="choices four">{tiles}</div>'
        + _yes_no(lang, "minor", t(lang, "minor_q"), values.get("minor") == "1", pict="child")
        + _error(lang, errors, "form")
        + _button(t(lang, "send_urgent"), "send", cls="big danger send", kind="submit")
    )
    return _form(lang, "urgent", f'<div class="urgent">{content}</div>', errors)


def _code(grouped: str) -> str:
    return "".join(f"<span>{escape(g)}</span>" for g in grouped.split())


def delivery_text(lang: str, ledger_index: int | None) -> str:
    if ledger_index is None:
        return t(lang, "delivery_pending")
    return t(lang, "delivered", index=number(lang, ledger_index))


def receipt_page(lang: str, *, grouped: str, locator: str, ledger_index: int | None) -> str:
    return (
        f'<h1>{svg("lock", size=48)} {escape(t(lang, "receipt_title"))}</h1>'
        f'<p class="question">{svg("key", size=48)} {escape(t(lang, "receipt_code"))}</p>'
        f'<p class="code" data-code aria-label="{escape(grouped)}">{_code(grouped)}</p>'
        f'<p class="lead">{escape(t(lang, "receipt_advice"))}</p>'
        f'<p class="hint">{escape(t(lang, "receipt_not_kept"))}</p>'
        f'<p class="delivery" data-delivery data-locator="{escape(locator)}" '
        f'data-delivered="{"1" if ledger_index is not None else "0"}">{escape(delivery_text(lang, ledger_index))}</p>'
        + _link(t(lang, "done"), "yes", "/", cls="big primary finish")
    )


def follow_up_page(lang: str, error: str = "", **values: object) -> str:
    message = (f'<p class="error" id="error-code" role="alert">{escape(t(lang, error, **values))}</p>'
               if error else "")
    described = ' aria-describedby="error-code"' if error else ""
    return (
        f'<h1>{svg("key", size=48)} {escape(t(lang, "follow_title"))}</h1>'
        f'<form method="post" action="/{lang}/follow-up" autocomplete="off" class="code-form">'
        f'<label class="field" for="code">{escape(t(lang, "code_label"))}</label>'
        f'<input id="code" name="code" inputmode="numeric" autocomplete="off" spellcheck="false" maxlength="40" '
        f'class="code-input"{described}>{message}'
        + _button(t(lang, "open"), "next", cls="big primary", kind="submit")
        + "</form>"
    )


def thread_page(lang: str, *, thread: ThreadView, code: str, errors: Mapping[str, str] | None = None,
                sent: bool = False) -> str:
    errors = errors or {}
    status = thread.status if thread.status in STATUSES else "unknown"
    entries = "".join(_entry(lang, e) for e in thread.entries)
    if not any(not e.mine for e in thread.entries):
        entries = f'<p class="hint">{escape(t(lang, "no_replies"))}</p>' + entries
    ledger = (f'<p class="hint">{escape(t(lang, "filed_entry", index=number(lang, thread.ledger_index)))}</p>'
              if thread.ledger_index is not None else "")
    notice = f'<p class="notice" role="status">{escape(t(lang, "message_sent"))}</p>' if sent else ""
    return (
        f'<h1>{svg("key", size=48)} {escape(t(lang, "follow_title"))}</h1>{notice}'
        f'<p class="status"><span>{escape(t(lang, "thread_status"))}:</span> '
        f'<strong data-status="{escape(status)}">{escape(t(lang, f"status_{status}"))}</strong></p>{ledger}'
        f'<h2>{escape(t(lang, "replies"))}</h2><div class="thread">{entries}</div>'
        f'<form class="steps single" method="post" action="/{lang}/follow-up/message" enctype="multipart/form-data" '
        f'autocomplete="off" novalidate><h2>{escape(t(lang, "add_message"))}</h2>'
        f'<input type="hidden" name="code" value="{escape(code)}">'
        + _describe(lang, {}, errors)
        + _button(t(lang, "send_message"), "send", cls="big primary send", kind="submit")
        + "</form>"
        + _link(t(lang, "finish"), "yes", "/", cls="big finish")
    )


def _entry(lang: str, entry: ReplyView) -> str:
    when = short_datetime(lang, entry.at) if entry.at else ""
    if entry.mine:
        head, text = t(lang, "your_message"), t(lang, "your_message_sealed")
    elif not entry.readable:
        head, text = t(lang, "replies"), t(lang, "reply_unreadable")
    else:
        body = entry.by if f"body_{entry.by}" in MESSAGES else "other"
        head, text = t(lang, "reply_from", organisation=t(lang, f"body_{body}"), date=when), entry.text
    cls = "entry mine" if entry.mine else "entry reply"
    return f'<article class="{cls}"><h3>{escape(head)}</h3><p>{escape(text)}</p></article>'


def not_found_page(lang: str) -> str:
    return f'<h1>{escape(t(lang, "not_found"))}</h1><a class="big" href="/">{svg("home", size=48)}</a>'


def error_page(lang: str, key: str) -> str:
    return (f'<h1>{svg("urgent", size=48)}</h1><p class="error" role="alert">{escape(t(lang, key))}</p>'
            + _link(t(lang, "start_over"), "home", f"/{lang}/"))
