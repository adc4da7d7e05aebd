"""Text that people type: what a one-line field may hold, and how stored text is made safe.

A name, an email address or a host name is one line: a line break in it is at best a typo and
at worst an attempt to write an email header of one's own (`Eve\\nBcc: x@example.com`). Such
values are refused where they enter, naming the field. Multi-line fields (descriptions,
templates) take line breaks and tabs, but no other control characters.

What was stored before these checks (or written to the database by other means) is made safe
where it is used: `one_line` folds it onto one line instead of failing, `without_controls`
blanks every control character (CSV exports).

Below all of that, no text field anywhere takes a control character other than tab, CR and LF,
nor a lone surrogate (not text at all; PostgreSQL refuses NUL outright): `forbidden_character`
finds them, and the web layer refuses such requests at the door, before any database call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator

_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
_SPACES = re.compile(r"\s+")
# C0 controls but tab, LF and CR; DEL and the C1 controls; lone surrogates.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Unicode's Cc (C0 and C1 controls, DEL) and the line and paragraph separators. Matched by one
# regex, not character by character: these checks run on every name of every attendee.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# The same without tab, LF and CR, which multi-line fields take.
_MULTI_LINE_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def _describe(char: str) -> str:
    if char in "\r\n" or char in _LINE_BREAKS:
        return "a line break"
    if char == "\t":
        return "a tab"
    if 0xD800 <= ord(char) <= 0xDFFF:
        return f"a lone surrogate (U+{ord(char):04X}), which is not text"
    return f"a control character (U+{ord(char):04X})"


def forbidden_character(value: str) -> tuple[int, str] | None:
    """Where the first character no text field takes is in `value`, and what it is; None when
    there is none (tab, CR and LF are allowed here: one-line fields refuse them later)."""
    found = _FORBIDDEN.search(value)
    if found is None:
        return None
    return found.start(), _describe(found.group())


def without_controls(value: str) -> str:
    """`value` with every control character and line break replaced by a space, and lone
    surrogates dropped (for CSV cells: one record per line, nothing a terminal or a
    spreadsheet interprets)."""
    return _FORBIDDEN.sub("", _CONTROL.sub(" ", value))


def check_one_line(value: str) -> str:
    """ValueError naming the first control character (line break, tab, NUL …) in `value`."""
    found = _CONTROL.search(value)
    if found is not None:
        raise ValueError(
            f"must be one line of text, without {_describe(found.group())}; remove it and try again"
        )
    return value


def check_multi_line(value: str) -> str:
    """ValueError naming the first control character other than line breaks and tabs."""
    found = _MULTI_LINE_CONTROL.search(value)
    if found is not None:
        raise ValueError(f"must not contain {_describe(found.group())}; remove it and try again")
    return value


def one_line(value: str) -> str:
    """`value` folded onto one line: each run of whitespace and control characters becomes a
    single space (for text stored before it was checked, used where a line break would break
    something: an email header, a CSV cell read as a header)."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", value)).strip()


def plain_message(message: str) -> str:
    """A pydantic error message without its "Value error, " prefix: the validators here write
    their messages for a person already."""
    return message.removeprefix("Value error, ")


def _limit(context: Mapping[str, Any], key: str) -> str:
    value = context.get(key)
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def field_name(location: tuple[int | str, ...], prefix: str = "") -> str:
    """A pydantic error's location as fields are named in answers and forms:
    ("attendees", 0, "email") -> "attendees[0].email" ("" for an empty location)."""
    name = prefix
    for part in location:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def readable(error: Mapping[str, Any]) -> str:
    """One pydantic validation error as a sentence for a person ("required", "at most 1,439",
    "a date and time with its offset …"), instead of the validator's own wording."""
    kind = str(error.get("type", ""))
    context: Mapping[str, Any] = error.get("ctx") or {}
    message = plain_message(str(error.get("msg", "is not valid")))
    if kind == "missing":
        return "This is required."
    if kind == "extra_forbidden":
        return "This is not a field this request takes; remove it (check its spelling)."
    if kind in ("less_than_equal", "less_than"):
        return f"Must be at most {_limit(context, 'le' if kind == 'less_than_equal' else 'lt')}."
    if kind in ("greater_than_equal", "greater_than"):
        key = "ge" if kind == "greater_than_equal" else "gt"
        return f"Must be at least {_limit(context, key)}."
    if kind == "string_too_long":
        return f"Too long: at most {_limit(context, 'max_length')} characters."
    if kind == "string_too_short":
        return (
            "This is required."
            if context.get("min_length") == 1
            else (f"Too short: at least {_limit(context, 'min_length')} characters.")
        )
    if kind in ("too_long", "too_short"):
        bound = "max_length" if kind == "too_long" else "min_length"
        most = "at most" if kind == "too_long" else "at least"
        return f"Give {most} {_limit(context, bound)} items."
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "Must be a whole number."
    if kind in ("bool_parsing", "bool_type"):
        return "Must be true or false."
    if kind in ("uuid_parsing", "uuid_type"):
        return "Must be an id (a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e)."
    if kind in ("datetime_parsing", "datetime_type", "datetime_from_date_parsing"):
        return "Must be a date and time such as 2030-05-01T15:00:00+02:00."
    if kind == "timezone_aware":
        return "Give the time with its offset from UTC, e.g. 2030-05-01T15:00:00+02:00."
    if kind == "enum":
        return f"Must be one of: {context.get('expected', '')}."
    if kind == "literal_error":
        return f"Must be {context.get('expected', '')}."
    if kind == "value_error" and "email address" in message:
        return f"Not a valid email address: {message.split(': ', 1)[-1]}"
    if kind in ("json_invalid", "json_type"):
        return "The body is not valid JSON."
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "Must be an object (a JSON object with named fields)."
    if kind == "list_type":
        return "Must be a list."
    if kind in ("string_type", "str_type"):
        return "Must be text."
    return message[:1].upper() + message[1:] if message else "This is not valid."


# For pydantic models: `first_name: OneLine`, `description: MultiLine`.
OneLine = Annotated[str, AfterValidator(check_one_line)]
MultiLine = Annotated[str, AfterValidator(check_multi_line)]
