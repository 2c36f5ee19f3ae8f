"""API errors: one shape for every 400, and 404 (never 403) for anything outside the caller's scope.

* Django ``ValidationError`` raised by services -> 400 ``{field: [message, ...]}``.
* ``PermissionDenied`` raised by services (``core.scoping.require_scope``) -> 404, the same answer as for a missing record.
* Every 400 body is flat: nested serializer errors become dotted keys, the same keys the services use,
  e.g. ``{"head": {"id_number": [...]}}`` -> ``{"head.id_number": [...]}`` and
  ``{"members": [{}, {"relation": [...]}]}`` -> ``{"members.1.relation": [...]}``;
  model-level errors (Django's ``__all__``) are reported under ``non_field_errors``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


def _key(prefix: str, key: Any) -> str:
    key = api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else str(key)
    return f"{prefix}.{key}" if prefix else key


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list]:
    """Nested serializer errors -> {dotted.field: [messages]}."""
    if isinstance(detail, dict):
        out: dict[str, list] = {}
        for key, value in detail.items():
            out.update(flatten_errors(value, _key(prefix, key)))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return {prefix or api_settings.NON_FIELD_ERRORS_KEY: list(detail)} if detail else {}
        out = {}
        for i, item in enumerate(detail):
            if isinstance(item, (dict, list)):
                out.update(flatten_errors(item, _key(prefix, i)))
            else:
                out.setdefault(prefix or api_settings.NON_FIELD_ERRORS_KEY, []).append(item)
        return out
    return {prefix or api_settings.NON_FIELD_ERRORS_KEY: [detail]}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = flatten_errors(response.data)
    return response
