"""Turning pydantic validation errors into the field problems the templates show."""

from __future__ import annotations

from pydantic import ValidationError

from zoombridge.errors import DomainError, FieldProblem
from zoombridge.kit.text import field_name, readable


def pydantic_problems(exc: ValidationError, prefix: str = "") -> list[FieldProblem]:
    # `msg` only, never `input`: a rejected value may be a secret.
    return [
        FieldProblem(field_name(tuple(e["loc"]), prefix) or "form", readable(e))
        for e in exc.errors()
    ]


class FormProblem(Exception):
    """Form text that cannot become the schema's input (e.g. a date that is not a date)."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def form_problems(exc: ValidationError | FormProblem | DomainError) -> tuple[str, dict[str, str]]:
    """What a form page shows for a refused save: the sentence on top and each field's
    message beside it."""
    if isinstance(exc, ValidationError):
        return "Some fields need fixing.", {p.field: p.message for p in pydantic_problems(exc)}
    if isinstance(exc, FormProblem):
        return "Some fields need fixing.", {p.field: p.message for p in exc.problems}
    return exc.detail, {p.field: p.message for p in exc.field_errors}
