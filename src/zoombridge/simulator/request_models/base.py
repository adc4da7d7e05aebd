"""What every typed request model of the simulator shares, and how a refusal becomes Zoom's 300.

The models say what Zoom's specs say about each request (types, enums, lengths, minimums, which
fields are required) and nothing more: unknown fields are ignored, as Zoom ignores them. Zoom's
request schemas never allow `null`, so a field sent as `null` is refused like a wrong type; a
field left out is `None` on the model. Checks the schemas cannot express (a passcode's
characters, a time zone's name) stay in the handlers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationError,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import ErrorDetails, PydanticCustomError, core_schema

from zoombridge.simulator.errors import ZoomError

EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+([A-Za-z]{2,}|[Xx][Nn]--[A-Za-z0-9-]+)$"
)
# Zoom's two forms of a date-time (its descriptions of `start_time`): UTC with `Z`, or a wall
# time without offset read in the body's `timezone`. Offsets such as +02:00 are not among them.
ZOOM_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z?$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WEEKDAY_LIST = re.compile(r"^[1-7](,[1-7])*$")

R = TypeVar("R", bound="ZoomRequest")


class ZoomRequest(BaseModel):
    """A request body (or query) as Zoom's spec describes it."""

    # strict: no coercion, so "60" is not an integer and 0 is not a boolean, as in JSON Schema.
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any) -> Any:
        if value is None:
            raise PydanticCustomError("null", "must not be null")
        return value


@dataclass(frozen=True)
class OneOf:
    """An enum of the spec. Unlike `Literal`, it does not let `True` stand for 1 or 1.0 for 1."""

    values: tuple[Any, ...]

    def __init__(self, *values: Any) -> None:
        object.__setattr__(self, "values", values)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def _check(self, value: Any) -> Any:
        if value not in self.values:
            raise PydanticCustomError(
                "enum",
                "must be one of {expected}",
                {"expected": ", ".join(str(v) if v != "" else '""' for v in self.values)},
            )
        return value

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["enum"] = list(self.values)
        return json_schema


@dataclass(frozen=True)
class Format:
    """A string `format` of the spec, checked with the simulator's own rule for it."""

    name: str
    check: Callable[[str], bool]
    description: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def _check(self, value: str) -> str:
        if not self.check(value):
            raise PydanticCustomError(
                "format", "must be {description}", {"description": self.description}
            )
        return value

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["format"] = self.name
        return json_schema


def is_email(value: str) -> bool:
    return EMAIL.match(value) is not None


def is_zoom_date_time(value: str) -> bool:
    if ZOOM_DATE_TIME.match(value) is None:
        return False
    try:
        datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return False  # e.g. month 13
    return True


def is_date(value: str) -> bool:
    if DATE.match(value) is None:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_weekday_list(value: str) -> bool:
    return WEEKDAY_LIST.match(value) is not None


EmailAddress = Annotated[str, Format("email", is_email, "an email address")]
DateTime = Annotated[
    str,
    Format(
        "date-time",
        is_zoom_date_time,
        "yyyy-MM-ddTHH:mm:ssZ (UTC) or yyyy-MM-ddTHH:mm:ss (local time in `timezone`)",
    ),
]
Date = Annotated[str, Format("date", is_date, "a date, yyyy-MM-dd")]
# `weekly_days`: the spec's enum lists single days, its description asks for several days as a
# comma-separated list ("1,3"). Both are accepted (a named spec gap).
WeekDays = Annotated[
    str, Format("weekday-list", is_weekday_list, "days 1-7 (1 = Sunday), comma-separated")
]


def parse(model: type[R], data: Mapping[str, Any], *, prefix: str = "") -> R:
    """The validated model, or Zoom's `400 300 Validation Failed.` naming every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ZoomError(
            400,
            300,
            "Validation Failed.",
            errors=[field_error(detail, prefix) for detail in error.errors()],
        ) from None


def field_name(location: tuple[int | str, ...], prefix: str = "") -> str:
    """`("registrants", 1, "first_name")` -> `registrants[1].first_name`, as Zoom names fields."""
    name = prefix
    for part in location:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else part
    return name or "body"


def field_error(detail: ErrorDetails, prefix: str = "") -> dict[str, str]:
    field = field_name(tuple(detail["loc"]), prefix)
    return {"field": field, "message": f"{field} {_reason(detail)}."}


def _reason(detail: ErrorDetails) -> str:
    kind = detail["type"]
    context = detail.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind in ("null", "enum", "format"):
        return detail["msg"]
    if kind == "string_type":
        return "must be a string"
    if kind == "int_type":
        return "must be an integer"
    if kind == "bool_type":
        return "must be true or false"
    if kind == "list_type":
        return "must be a list"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "must be an object"
    if kind == "string_too_short":
        minimum = context.get("min_length")
        return "must not be empty" if minimum == 1 else f"must be at least {minimum} characters"
    if kind == "string_too_long":
        return f"must be at most {context.get('max_length')} characters"
    if kind == "too_short":
        return f"must hold at least {context.get('min_length')} items"
    if kind == "too_long":
        return f"must hold at most {context.get('max_length')} items"
    if kind == "greater_than_equal":
        return f"must be at least {context.get('ge')}"
    if kind == "less_than_equal":
        return f"must be at most {context.get('le')}"
    return "is invalid"
