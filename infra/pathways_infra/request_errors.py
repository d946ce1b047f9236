"""Malformed requests, answered as 422 with the offending field named (see ``install_error_handlers``)."""

from __future__ import annotations

from fastapi.exceptions import RequestValidationError


def invalid_header(name: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("header", name), "msg": message, "type": "value_error"}])
