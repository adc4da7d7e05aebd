"""Comparing the simulator's request models with Zoom's request schemas.

Two ways, both driven by the spec read in place:

- `differences`: the spec's schema and the model's own JSON schema (pydantic's), walked side by
  side: every property in both, and per property its type, enum, lengths, bounds, item counts,
  format, and which properties are required. A field the spec adds and the model lacks shows up
  as `missing`, one the model has and the spec not as `extra`.
- `probes`: requests built from the spec, fed to the model: for each field, `null`, a wrong
  type, a value outside the enum or the bounds must be refused *at that field*, and values
  the spec allows (each enum value, each bound itself) must not be.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

KEYWORDS = ("type", "enum", "maxLength", "minLength", "minimum", "maximum", "maxItems", "minItems")
FORMAT_SAMPLES = {
    "email": "ann@example.com",
    "date-time": "2030-01-15T10:00:00Z",
    "date": "2030-01-15",
}
NOT_IN_FORMAT = {"email": "not-an-email", "date-time": "next tuesday", "date": "2030-02-30"}


@dataclass(frozen=True)
class Difference:
    field: str
    keyword: str
    spec: Any
    model: Any

    def __str__(self) -> str:
        return f"{self.field or '<body>'}: {self.keyword} spec={self.spec!r} model={self.model!r}"


def merge_all_of(schema: dict[str, Any]) -> dict[str, Any]:
    """An `allOf` of objects as one object (the registrant schema is written that way)."""
    if "allOf" not in schema:
        return schema
    merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
    for branch in schema["allOf"]:
        branch = merge_all_of(branch)
        merged["properties"].update(branch.get("properties", {}))
        merged["required"] += branch.get("required", [])
    return merged


def model_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with references inlined and the `null` of optional fields
    removed (optional means "may be left out": the models refuse an explicit null)."""
    raw = model.model_json_schema()
    definitions = raw.get("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, list):
            return [inline(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return inline(definitions[node["$ref"].rsplit("/", 1)[-1]])
        if "anyOf" in node:
            branches = [b for b in node["anyOf"] if b != {"type": "null"}]
            if len(branches) == 1:
                rest = {k: v for k, v in node.items() if k != "anyOf"}
                return {**inline(branches[0]), **inline(rest)}
        return {key: inline(value) for key, value in node.items()}

    inlined: dict[str, Any] = inline(raw)
    return inlined


def differences(spec: dict[str, Any], model: dict[str, Any], field: str = "") -> list[Difference]:
    spec = merge_all_of(spec)
    found: list[Difference] = []
    spec_type = spec.get("type") or ("object" if "properties" in spec else None)
    for keyword in (*KEYWORDS, "format"):
        want = spec_type if keyword == "type" else spec.get(keyword)
        have = model.get(keyword)
        same_enum = (
            keyword == "enum"
            and want is not None
            and have is not None
            and sorted(map(json.dumps, want)) == sorted(map(json.dumps, have))
        )
        if same_enum:
            continue
        if want != have:
            found.append(Difference(field, keyword, want, have))
    spec_properties = spec.get("properties", {})
    model_properties = model.get("properties", {})
    if spec_type == "object" or model.get("type") == "object":
        want_required = sorted(spec.get("required", []))
        have_required = sorted(model.get("required", []))
        if want_required != have_required:
            found.append(Difference(field, "required", want_required, have_required))
        for name in sorted(set(spec_properties) | set(model_properties)):
            inner = f"{field}.{name}" if field else name
            if name not in model_properties:
                found.append(Difference(inner, "missing", "declared", None))
            elif name not in spec_properties:
                found.append(Difference(inner, "extra", None, "declared"))
            else:
                found += differences(spec_properties[name], model_properties[name], inner)
    if spec_type == "array" or model.get("type") == "array":
        found += differences(spec.get("items", {}), model.get("items", {}), field + "[]")
    return found


# Probes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    field: str  # as Zoom's 300 answer names it, indexes as [0]
    keyword: str  # the spec keyword this probe is about
    body: dict[str, Any]
    refused: bool  # True: the model must refuse at `field`; False: it must not

    def __str__(self) -> str:
        verdict = "refuse" if self.refused else "accept"
        return f"{verdict} {self.field} ({self.keyword}): {json.dumps(self.body)[:200]}"


def sample(schema: dict[str, Any]) -> Any:
    """A value the schema allows."""
    schema = merge_all_of(schema)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type") or ("object" if "properties" in schema else "string")
    if kind == "string":
        if schema.get("format") in FORMAT_SAMPLES:
            return FORMAT_SAMPLES[schema["format"]]
        return "x" * max(1, schema.get("minLength", 1))
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return True
    if kind == "array":
        return [sample(schema.get("items", {}))] * schema.get("minItems", 0)
    properties = schema.get("properties", {})
    return {name: sample(properties[name]) for name in schema.get("required", [])}


def _wrong_types(kind: str, text: bool) -> list[Any]:
    """Values of another JSON type (for queries: text that does not spell the type)."""
    if text:
        return {"integer": ["1.5", "ten"], "boolean": ["maybe", "1"]}.get(kind, [])
    return {
        "string": [0, True, []],
        "integer": ["1", 1.5, True],
        "boolean": [0, "true"],
        "array": [{}, "x"],
        "object": [[], "x"],
    }.get(kind, [])


def _as_text(value: Any, text: bool) -> Any:
    if not text or isinstance(value, str):
        return value
    return json.dumps(value)  # true -> "true", 5 -> "5"


def _string_of_length(schema: dict[str, Any], length: int) -> str:
    if schema.get("format") == "email":
        domain = "@example.com"
        return "a" * max(1, length - len(domain)) + domain
    return "x" * length


def _leaf_probes(field: str, schema: dict[str, Any], text: bool) -> Iterator[tuple[str, Any, bool]]:
    kind = schema.get("type") or ("object" if "properties" in schema else None)
    if not text:
        yield "nullable", None, True
    for wrong in _wrong_types(kind or "", text):
        yield "type", wrong, True
    if "enum" in schema:
        for value in schema["enum"]:
            yield "enum", _as_text(value, text), False
        outside = "not-in-the-enum" if kind == "string" else 987_654
        yield "enum", _as_text(outside, text), True
    if "maxLength" in schema:
        yield "maxLength", _string_of_length(schema, schema["maxLength"]), False
        yield "maxLength", _string_of_length(schema, schema["maxLength"] + 1), True
    if schema.get("minLength"):
        yield "minLength", _string_of_length(schema, schema["minLength"] - 1), True
    if kind == "integer":
        if "minimum" in schema:
            yield "minimum", _as_text(schema["minimum"], text), False
            yield "minimum", _as_text(schema["minimum"] - 1, text), True
        if "maximum" in schema:
            yield "maximum", _as_text(schema["maximum"], text), False
            yield "maximum", _as_text(schema["maximum"] + 1, text), True
    if schema.get("format") in NOT_IN_FORMAT:
        yield "format", FORMAT_SAMPLES[schema["format"]], False
        yield "format", NOT_IN_FORMAT[schema["format"]], True
    if kind == "array":
        item = sample(schema.get("items", {}))
        if "maxItems" in schema:
            yield "maxItems", [item] * schema["maxItems"], False
            yield "maxItems", [item] * (schema["maxItems"] + 1), True
        if schema.get("minItems"):
            yield "minItems", [item] * (schema["minItems"] - 1), True


def probes(schema: dict[str, Any], *, text: bool = False) -> Iterator[Probe]:
    """Probes for every field of an object schema (`text`: a query, where values are text)."""
    yield from _object_probes(merge_all_of(schema), [], text)


def _object_probes(schema: dict[str, Any], path: list[str | int], text: bool) -> Iterator[Probe]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    for name, sub in properties.items():
        sub = merge_all_of(sub)
        where = [*path, name]
        for keyword, value, refused in _leaf_probes(_name(where), sub, text):
            yield Probe(_name(where), keyword, _nest(where, value), refused)
        if name in required:
            yield Probe(_name(where), "required", _nest(path, {}), True)
        kind = sub.get("type") or ("object" if "properties" in sub else None)
        if kind == "object":
            yield from _object_probes(sub, where, text)
        if kind == "array" and merge_all_of(sub.get("items", {})).get("properties"):
            yield from _object_probes(merge_all_of(sub["items"]), [*where, 0], text)


def _name(path: list[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _nest(path: list[str | int], value: Any) -> dict[str, Any]:
    """{"a": {"b": [{"c": value}]}} for path a.b[0].c."""
    for part in reversed(path):
        value = [value] if isinstance(part, int) else {part: value}
    if not isinstance(value, dict):
        raise TypeError("a probe's body is an object")
    return value
