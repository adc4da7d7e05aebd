"""Shortcodes: `{name}` placeholders in meeting topics, descriptions and emails (B3, B5).

The engine only: which names a kind of template may use is said by the domain that fills them
(bookings.values for a booking's fields, notifications.defaults for emails).

Each template has a set of names it may use; a template naming anything else is refused when it
is saved, with the list of valid names, so a typo never reaches a customer. `{{` and `}}` write a
literal brace. Rendering fills every name from a mapping built by the sender at send time.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from zoombridge.errors import FieldProblem, InvalidInput


class TemplateError(InvalidInput):
    code = "invalid_template"


@dataclass(frozen=True)
class Placeholders:
    """The names a kind of template may use."""

    allowed: tuple[str, ...]
    # Names refused with a reason of their own (e.g. the host link in a customer email).
    forbidden: Mapping[str, str] | None = None


def names_in(template: str) -> list[str]:
    """The placeholder names of `template`, in order; ValueError when it is malformed."""
    found: list[str] = []
    for _literal, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if spec or conversion:
            raise ValueError(f"“{{{name}…}}” has a format part; write just {{{name}}}")
        if not name:
            raise ValueError("“{}” has no name; write a name such as {customer_name}")
        found.append(name)
    return found


def validate(template: str, placeholders: Placeholders, field: str) -> list[FieldProblem]:
    """Problems of `template` (empty when it is fine) for `field`."""
    try:
        names = names_in(template)
    except ValueError as exc:
        message = str(exc)
        if "Single" in message or "unmatched" in message or "expected" in message:
            message = "A brace is not closed: write {name} for a shortcode, {{ or }} for a brace."
        return [FieldProblem(field, message)]
    problems: list[FieldProblem] = []
    forbidden = placeholders.forbidden or {}
    for name in dict.fromkeys(names):
        if name in forbidden:
            problems.append(FieldProblem(field, forbidden[name]))
        elif name not in placeholders.allowed:
            valid = ", ".join("{" + n + "}" for n in placeholders.allowed)
            problems.append(
                FieldProblem(field, f"Unknown shortcode {{{name}}}. Valid shortcodes: {valid}.")
            )
    return problems


def check(templates: Mapping[str, tuple[str, Placeholders]]) -> None:
    """Raise one TemplateError listing every problem of the named templates (field → text)."""
    problems: list[FieldProblem] = []
    for field, (text, placeholders) in templates.items():
        problems.extend(validate(text, placeholders, field))
    if problems:
        raise TemplateError(
            "The template uses shortcodes it cannot use: " + " ".join(p.message for p in problems),
            field_errors=problems,
        )


def render(template: str, values: Mapping[str, object]) -> str:
    """`template` with every placeholder filled (a missing value renders empty)."""
    out: list[str] = []
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            value = values.get(name)
            out.append("" if value is None else str(value))
    return "".join(out)
