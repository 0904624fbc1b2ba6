"""What every router of the JSON API shares: strict JSON parsing and one shape for errors.

Every 4xx answer has the body `{"errors": [{"field": "total", "error": "..."}]}`; `field` is
None when the error is about the request as a whole. Validation errors from the input schemas
(pydantic), from the services (django ValidationError) and from database constraints
(IntegrityError) are all translated into this shape here.
"""

from __future__ import annotations

import json
import logging
import re
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger("custodywatch.api")


class ErrorItem(Schema):
    field: str | None
    error: str


class ErrorOut(Schema):
    errors: list[ErrorItem]


# The status codes every operation may answer with, for the OpenAPI document.
COMMON_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 413: ErrorOut,
                 415: ErrorOut, 422: ErrorOut}


def error_body(*items: tuple[str | None, str]) -> dict[str, Any]:
    return {"errors": [{"field": field, "error": str(message)} for field, message in items]}


# --- Parsing -----------------------------------------------------------------------------------


class UnsupportedMediaType(Exception):
    """The body is not declared as UTF-8 JSON."""


class BodyNotJson(Exception):
    """The body is not well-formed JSON (or not UTF-8, or uses NaN, or repeats a key)."""


def _reject_constant(name: str) -> Any:
    raise BodyNotJson(_("%(name)s is not a JSON number.") % {"name": name})


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise BodyNotJson(_("The key %(key)s appears twice.") % {"key": json.dumps(key)[:80]})
        result[key] = value
    return result


class StrictJsonParser(Parser):
    """JSON only, declared as such, UTF-8, no NaN or Infinity, no repeated keys; decimals stay exact."""

    def parse_body(self, request: HttpRequest) -> Any:
        content_type = request.content_type or ""
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise UnsupportedMediaType
        if request.content_params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
            raise UnsupportedMediaType
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BodyNotJson(_("The body is not valid UTF-8.")) from exc
        try:
            return json.loads(
                text,
                parse_float=Decimal,
                parse_constant=_reject_constant,
                object_pairs_hook=_object_without_duplicates,
            )
        except BodyNotJson:
            raise
        except (ValueError, RecursionError) as exc:
            # ValueError covers malformed JSON and integers longer than Python will convert.
            raise BodyNotJson(_("The body is not well-formed JSON.")) from exc


# --- Translating errors ------------------------------------------------------------------------


# pydantic's messages are English and name Python types; these are for people, in their language.
def _pydantic_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    messages = {
        "missing": lambda: _("This field is required."),
        "extra_forbidden": lambda: _("This is not a field of this record."),
        "int_type": lambda: _("Enter a whole number."),
        "int_parsing": lambda: _("Enter a whole number."),
        "int_from_float": lambda: _("Enter a whole number."),
        "bool_type": lambda: _("Enter true or false."),
        "bool_parsing": lambda: _("Enter true or false."),
        "string_type": lambda: _("Enter text."),
        "string_too_short": lambda: _("This field cannot be empty."),
        "string_too_long": lambda: _("At most %(max)s characters.") % {"max": str(ctx.get("max_length"))},
        "string_pattern_mismatch": lambda: _("Contains characters that are not allowed here."),
        "greater_than_equal": lambda: _("Must be at least %(min)s.") % {"min": str(ctx.get("ge"))},
        "less_than_equal": lambda: _("Must be at most %(max)s.") % {"max": str(ctx.get("le"))},
        "greater_than": lambda: _("Must be more than %(min)s.") % {"min": str(ctx.get("gt"))},
        "less_than": lambda: _("Must be less than %(max)s.") % {"max": str(ctx.get("lt"))},
        "enum": lambda: _("Not one of the allowed values: %(values)s.") % {"values": ctx.get("expected", "")},
        "literal_error": lambda: _("Not one of the allowed values: %(values)s.") % {
            "values": ctx.get("expected", "")},
        "date_type": lambda: _("Enter a date as YYYY-MM-DD."),
        "date_parsing": lambda: _("Enter a date as YYYY-MM-DD."),
        "date_from_datetime_parsing": lambda: _("Enter a date as YYYY-MM-DD."),
        "date_from_datetime_inexact": lambda: _("Enter a date as YYYY-MM-DD."),
        "decimal_type": lambda: _("Enter a number."),
        "decimal_parsing": lambda: _("Enter a number."),
        "finite_number": lambda: _("Enter a finite number."),
        "decimal_max_digits": lambda: _("Too many digits."),
        "decimal_max_places": lambda: _("At most %(places)s digit after the decimal point.") % {
            "places": str(ctx.get("decimal_places"))},
        "decimal_whole_digits": lambda: _("Too many digits before the decimal point."),
        "dict_type": lambda: _("Enter an object of names and values."),
        "model_type": lambda: _("Enter an object of names and values."),
        "model_attributes_type": lambda: _("Enter an object of names and values."),
        "list_type": lambda: _("Enter a list."),
        "too_long": lambda: _("Too many items."),
        "value_error": lambda: str(ctx.get("error", "")) or _("Invalid value."),
        "assertion_error": lambda: str(ctx.get("error", "")) or _("Invalid value."),
    }
    if kind in messages:
        return messages[kind]()
    return _("Invalid value.")


def _pydantic_field(loc: tuple[Any, ...]) -> str | None:
    # ninja prefixes the source ("body", "query", "path") and, for a body, the view's parameter name.
    parts = list(loc[1:])
    if loc and loc[0] == "body" and parts:
        parts = parts[1:]
    return ".".join(str(part) for part in parts) or None


def validation_items(exc: NinjaValidationError) -> list[tuple[str | None, str]]:
    items = []
    for error in exc.errors:
        loc = tuple(error.get("loc", ()))
        field = _pydantic_field(loc)
        if field is None and loc and loc[0] == "body" and error.get("type") == "missing":
            items.append((None, _("Send a JSON object as the request body.")))
        else:
            items.append((field, _pydantic_message(error)))
    return items


def _constraint_error_field(error: DjangoValidationError) -> str | None:
    # A model-wide error from a unique or check constraint still concerns one field a person can fix.
    params = getattr(error, "params", None) or {}
    if params.get("unique_check"):
        return params["unique_check"][-1]
    return _constraint_fields().get(params.get("name", ""))


def django_validation_items(exc: DjangoValidationError) -> list[tuple[str | None, str]]:
    if not hasattr(exc, "error_dict"):
        return [(None, message) for message in exc.messages]
    items = []
    for field, errors in exc.error_dict.items():
        for error in errors:
            name = _constraint_error_field(error) if field == NON_FIELD_ERRORS else field
            items.extend((name, message) for message in error.messages)
    return items


def _first_field(condition: Any) -> str | None:
    for child in getattr(condition, "children", ()):
        if isinstance(child, tuple):
            return child[0].split("__")[0]
        found = _first_field(child)
        if found:
            return found
    return None


@cache
def _constraint_fields() -> dict[str, str]:
    """Constraint name -> the field a person should correct, over every installed model."""
    fields: dict[str, str] = {}
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
                fields[constraint.name] = constraint.fields[-1]
            elif isinstance(constraint, models.CheckConstraint):
                field = _first_field(constraint.condition)
                if field:
                    fields[constraint.name] = field
    return fields


# The last column named is the one a person picks (facility_id, code -> code).
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?:\w+\.\w+, )*\w+\.(\w+)")
_POSTGRES_KEY = re.compile(r"Key \((?:\w+, )*(\w+)\)=")
_POSTGRES_COLUMN = re.compile(r'column "(\w+)"')


def integrity_field(exc: IntegrityError) -> str | None:
    """The field a database constraint violation is about, where it can be told."""
    text = str(exc)
    diag = getattr(exc.__cause__, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    by_constraint = _constraint_fields()
    if constraint and constraint in by_constraint:
        return by_constraint[constraint]
    for name, field in by_constraint.items():
        if re.search(rf"\b{re.escape(name)}\b", text):
            return field
    for pattern in (_SQLITE_UNIQUE, _POSTGRES_KEY, _POSTGRES_COLUMN):
        match = pattern.search(text)
        if match:
            field = match.group(1)
            return field.removesuffix("_id")
    return None


def integrity_message(exc: IntegrityError) -> str:
    text = str(exc).lower()
    if "unique" in text or "duplicate" in text:
        return _("A record with this value already exists.")
    if "not null" in text or "null value" in text:
        return _("This field is required.")
    return _("The value breaks a rule of the registry.")


def install_error_handlers(api: NinjaAPI) -> None:
    """Make every error the API can meet answer as `{"errors": [...]}` with a 4xx code."""

    def respond(request: HttpRequest, status: int, *items: tuple[str | None, str]) -> HttpResponse:
        return api.create_response(request, error_body(*items), status=status)

    def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return respond(request, 422, *validation_items(exc))

    def on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return respond(request, 422, *django_validation_items(exc))

    def on_integrity(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        logger.info("api:request:integrity_error %s", exc)
        return respond(request, 422, (integrity_field(exc), integrity_message(exc)))

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        cause = exc.__cause__
        if isinstance(cause, UnsupportedMediaType):
            return respond(request, 415, (None, _("Send the body as application/json in UTF-8.")))
        if isinstance(cause, BodyNotJson):
            return respond(request, 400, (None, str(cause)))
        if isinstance(cause, RequestDataTooBig):
            return on_too_big(request, cause)
        if exc.status_code == 400 and cause is not None:
            return respond(request, 400, (None, _("The body is not well-formed JSON.")))
        return respond(request, exc.status_code, (None, exc.message))

    def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = exc.message if exc.message != "Unauthorized" else _(
            "Log in, or send an API token as Authorization: Bearer cw_...")
        response = respond(request, 401, (None, message))
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    def on_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 413, (None, _("The request body is too large.")))

    def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 404, (None, _("Not found.")))

    def on_forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 403, (None, str(exc) or _("You do not have permission to do this.")))

    api.add_exception_handler(NinjaValidationError, on_validation)
    api.add_exception_handler(DjangoValidationError, on_django_validation)
    api.add_exception_handler(IntegrityError, on_integrity)
    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(RequestDataTooBig, on_too_big)
    api.add_exception_handler(TooManyFieldsSent, on_too_big)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(ObjectDoesNotExist, on_not_found)
    api.add_exception_handler(PermissionDenied, on_forbidden)
