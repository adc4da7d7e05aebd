"""Errors services raise. Each carries a message a person can act on; the API turns them into
problem details (status, code, detail, field errors) and the UI shows the same text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class DomainError(Exception):
    """Base of every error a service raises on purpose. Never carries a secret."""

    status = 400
    code = "bad_request"

    def __init__(self, detail: str, *, field_errors: list[FieldProblem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field_errors = field_errors or []


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"


class NotFoundError(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """The actor lacks a permission (or acts outside its departments); the message names it."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The request is valid but the current state refuses it (e.g. capacity, duplicates)."""

    status = 409
    code = "conflict"


class CapacityExceeded(Conflict):
    code = "capacity_exceeded"


def invalid(field: str, message: str) -> InvalidInput:
    """An InvalidInput naming one field."""
    return InvalidInput(message, field_errors=[FieldProblem(field, message)])
