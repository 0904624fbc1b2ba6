"""The rule set as data: read, validate and (optionally) adjust from the settings.

The file (``CUSTODY_RULES_FILE``, default ``custody/rules/kz.yaml``) lists rules with their
legal basis and title, each in Kazakh, Russian and English; ``CUSTODY_RULE_OVERRIDES`` (a dict:
code -> {param: value, "enabled": false}) changes a threshold for a jurisdiction without editing
the file. An override raises nothing silently: an unknown code or parameter is refused when the
rules are loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_FILE = Path(__file__).with_name("kz.yaml")
SEVERITIES = ("critical", "high", "medium")
LANGUAGES = ("en", "ru", "kk")


class RuleSetError(ValueError):
    """The rule file is malformed; says which rule and field."""


@dataclass(frozen=True)
class Rule:
    code: str
    version: int
    check: str
    params: Mapping[str, Any]
    legal_basis: Mapping[str, str]
    basis_confirmed: bool
    severity: str
    title: Mapping[str, str]
    enabled: bool = True

    def title_in(self, language: str) -> str:
        return _in(self.title, language)

    def basis_in(self, language: str) -> str:
        return _in(self.legal_basis, language)


def _in(texts: Mapping[str, str], language: str) -> str:
    """The text in ``language`` (``"kk"``, ``"ru-ru"``...), English for any other language."""
    return texts.get((language or "en")[:2].lower()) or texts["en"]


def _languages(raw: Mapping[str, Any], name: str, where: str) -> dict[str, str]:
    """``raw[name]`` as a map of every language to a non-empty text; RuleSetError naming what is missing."""
    texts = raw.get(name)
    if not isinstance(texts, dict):
        raise RuleSetError(f"{where}: {name} must be a map of {', '.join(LANGUAGES)} to texts")
    for lang in LANGUAGES:
        text = texts.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise RuleSetError(f"{where}: {name} has no {lang} text ({name} needs {', '.join(LANGUAGES)})")
    return {lang: texts[lang] for lang in LANGUAGES}


@dataclass(frozen=True)
class RuleSet:
    jurisdiction: str
    version: str
    rules: tuple[Rule, ...]
    by_code: Mapping[str, Rule] = field(default_factory=dict)

    def enabled(self) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.enabled)


def parse(text: str, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> RuleSet:
    """The rule set in ``text`` (YAML), validated, with ``overrides`` applied."""
    from custody.rules.checks import CHECKS

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise RuleSetError(f"not YAML: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise RuleSetError("the file must hold a mapping with a list 'rules'")
    rules: list[Rule] = []
    seen: set[str] = set()
    for n, raw in enumerate(data["rules"], start=1):
        where = f"rule {n}"
        if not isinstance(raw, dict):
            raise RuleSetError(f"{where}: not a mapping")
        code = raw.get("code")
        if not isinstance(code, str) or not code or code in seen:
            raise RuleSetError(f"{where}: code missing or repeated")
        where = f"rule {code}"
        seen.add(code)
        check = raw.get("check")
        if check not in CHECKS:
            raise RuleSetError(f"{where}: unknown check {check!r}; known: {', '.join(sorted(CHECKS))}")
        if raw.get("severity") not in SEVERITIES:
            raise RuleSetError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
        title = _languages(raw, "title", where)
        legal_basis = _languages(raw, "legal_basis", where)
        if not isinstance(raw.get("basis_confirmed"), bool):
            raise RuleSetError(f"{where}: basis_confirmed (true/false) is required")
        if not isinstance(raw.get("version"), int):
            raise RuleSetError(f"{where}: version must be a whole number")
        params = dict(raw.get("params") or {})
        enabled = True
        for name, value in (overrides or {}).get(code, {}).items():
            if name == "enabled":
                enabled = bool(value)
            elif name not in params and name not in CHECKS[check].optional:
                raise RuleSetError(f"{where}: override of unknown parameter {name!r}")
            else:
                params[name] = value
        CHECKS[check].validate(code, params)
        rules.append(Rule(code=code, version=raw["version"], check=check, params=params,
                          legal_basis=legal_basis, basis_confirmed=raw["basis_confirmed"],
                          severity=raw["severity"], title=title, enabled=enabled))
    unknown = set(overrides or {}) - seen
    if unknown:
        raise RuleSetError(f"overrides name rules that do not exist: {', '.join(sorted(unknown))}")
    return RuleSet(jurisdiction=str(data.get("jurisdiction", "")), version=str(data.get("version", "")),
                   rules=tuple(rules), by_code={rule.code: rule for rule in rules})


_cache: dict[tuple[str, str], RuleSet] = {}


def load() -> RuleSet:
    """The configured rule set (cached per file and overrides)."""
    from django.conf import settings

    path = Path(getattr(settings, "CUSTODY_RULES_FILE", "") or DEFAULT_FILE)
    overrides = getattr(settings, "CUSTODY_RULE_OVERRIDES", None) or {}
    cache_key = (str(path), repr(sorted(overrides.items())))
    if cache_key not in _cache:
        _cache[cache_key] = parse(path.read_text(encoding="utf-8"), overrides)
    return _cache[cache_key]
