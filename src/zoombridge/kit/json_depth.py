"""How deeply a JSON document nests, measured on its bytes before it is parsed.

Python's parser recurses once per level and fails with RecursionError around a thousand levels;
whatever walks the parsed value afterwards (validation, serialisation into a JSON column)
recurses too. So a body is refused by its depth first, at C speed and without building it:
escapes and strings are cut out (they may hold brackets), then innermost `[]`/`{}` pairs are
removed one level per pass.
"""

from __future__ import annotations

import json
import re

DEFAULT_MAX_DEPTH = 32

_ESCAPE = re.compile(rb"\\.", re.DOTALL)
# After escapes are gone a string has no backslash and ends at the next quote, so this is linear.
_STRING = re.compile(rb'"[^"]*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_PAIR = re.compile(rb"\[\]|\{\}")


def as_utf8(raw: bytes) -> bytes:
    """The body in UTF-8, as the JSON parser would read it (it also takes UTF-16 and -32)."""
    encoding = json.detect_encoding(raw)
    if encoding == "utf-8":
        return raw
    try:
        return raw.decode(encoding, "surrogatepass").encode("utf-8", "surrogatepass")
    except UnicodeError:
        return raw


def json_too_deep(raw: bytes, limit: int = DEFAULT_MAX_DEPTH) -> bool:
    """Whether the JSON in `raw` nests more than `limit` arrays/objects deep. Malformed JSON
    whose brackets do not pair up is left to the parser to refuse (False)."""
    text = _STRING.sub(b"", _ESCAPE.sub(b"", as_utf8(raw))).translate(None, _NOT_BRACKETS)
    for _ in range(limit):
        if not text:
            return False
        text, removed = _PAIR.subn(b"", text)
        if not removed:
            return False
    return _PAIR.search(text) is not None
