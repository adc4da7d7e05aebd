"""Turning pydantic validation errors into the field problems the templates show."""

from __future__ import annotations

from pydantic import ValidationError

from zoombridge.errors import FieldProblem
from zoombridge.kit.text import readable


def field_name(location: tuple[int | str, ...], prefix: str = "") -> str:
    name = prefix
    for part in location:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "form"


def pydantic_problems(exc: ValidationError, prefix: str = "") -> list[FieldProblem]:
    # `msg` only, never `input`: a rejected value may be a secret.
    return [FieldProblem(field_name(tuple(e["loc"]), prefix), readable(e)) for e in exc.errors()]


class FormProblem(Exception):
    """Form text that cannot become the schema's input (e.g. a date that is not a date)."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems
