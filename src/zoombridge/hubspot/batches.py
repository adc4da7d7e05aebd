"""Batch calls: inputs split into chunks HubSpot accepts, sent side by side, and every input's
outcome read back from HubSpot's answer (200, or 207 with `errors[]`).

HubSpot's batch answers do not list results in input order, and an error names its inputs only
in its free-form `context` (`ids`, `emails` ...). So each input is given a key (its email) and,
where the operation echoes one, a trace id; results are matched by those, errors by the keys
their context names. An input HubSpot said nothing about is recorded as such, never dropped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from zoombridge.hubspot import errors
from zoombridge.hubspot.models import BatchOutcome, InputOutcome
from zoombridge.hubspot.sending import ACCOUNT_WIDE

T = TypeVar("T")


@dataclass(frozen=True)
class Pending(Generic[T]):
    """One input ready to send: its position among the caller's inputs, key and JSON."""

    index: int
    key: str
    payload: dict[str, Any]


ChunkSender = Callable[[list[Pending[Any]]], Awaitable[list[InputOutcome[T]]]]


async def run_chunks(
    pending: Sequence[Pending[Any]],
    send_chunk: ChunkSender[T],
    *,
    size: int,
    concurrency: int,
) -> tuple[list[InputOutcome[T]], int]:
    """Send `pending` in chunks of `size`, at most `concurrency` at a time (the account's rate
    limiter does the pacing). Returns every input's outcome and the number of chunks sent
    (resends of a chunk not counted).

    A chunk's failure is recorded on its inputs and the others go on; a refusal that concerns
    the whole account (token, scopes, daily limit) stops the chunks not yet sent, and their
    inputs are recorded with that error and `sent=False`.
    """
    chunks = [list(pending[i : i + size]) for i in range(0, len(pending), size)]
    gate = asyncio.Semaphore(max(1, concurrency))
    stop: list[errors.HubSpotError] = []
    sent = 0

    async def one(chunk: list[Pending[Any]]) -> list[InputOutcome[T]]:
        nonlocal sent
        async with gate:
            if stop:
                return [_failed(p, stop[0], sent=False) for p in chunk]
            try:
                sent += 1
                return await send_chunk(chunk)
            except ACCOUNT_WIDE as error:
                if error.status is None:
                    sent -= 1  # refused before sending (our own daily bookkeeping)
                stop.append(error)
                return [_failed(p, error, sent=False) for p in chunk]
            except errors.HubSpotError as error:
                return [_failed(p, error) for p in chunk]

    results = await asyncio.gather(*(one(c) for c in chunks))
    return [outcome for chunk in results for outcome in chunk], sent


def _failed(p: Pending[Any], error: errors.HubSpotError, sent: bool = True) -> InputOutcome[Any]:
    return InputOutcome(index=p.index, key=p.key, error=error, sent=sent)


def assemble(size: int, outcomes: list[InputOutcome[T]], calls: int) -> BatchOutcome[T]:
    """The outcomes in the caller's order (duplicates and refused inputs included)."""
    ordered = sorted(outcomes, key=lambda o: o.index)
    if len(ordered) != size:
        raise AssertionError(f"{len(ordered)} outcomes for {size} inputs")
    return BatchOutcome(outcomes=ordered, calls=calls)


def item_errors(
    body: dict[str, Any], keys: Sequence[str], scrub: Callable[[str], str], operation: str
) -> dict[str, errors.HubSpotError]:
    """The per-input errors of a batch answer, by the input key each one names.

    An error's `context` lists its inputs under `ids`, `emails` or `objectWriteTraceId`; keys
    are compared lower-cased (they are emails or our trace ids).
    """
    wanted = {k.lower() for k in keys}
    found: dict[str, errors.HubSpotError] = {}
    for item in body.get("errors") or []:
        if not isinstance(item, dict):
            continue
        raw_context = item.get("context")
        context: dict[str, Any] = raw_context if isinstance(raw_context, dict) else {}
        named: list[str] = []
        for name in ("ids", "emails", "email", "objectWriteTraceId"):
            values = context.get(name)
            if isinstance(values, list):
                named.extend(str(v).lower() for v in values)
        category = item.get("category") if isinstance(item.get("category"), str) else None
        message = scrub(str(item.get("message") or "")) or None
        for key in named:
            if key in wanted and key not in found:
                found[key] = _input_error(category, message, operation)
    return found


def _input_error(category: str | None, message: str | None, operation: str) -> errors.HubSpotError:
    kind: type[errors.HubSpotError] = errors.RequestRejected
    text = f"HubSpot refused this input: {message}" if message else None
    if category == "OBJECT_NOT_FOUND":
        kind = errors.ContactNotFound
        text = None
    elif category == "VALIDATION_ERROR":
        kind = errors.ValidationFailed
    elif category in ("CONFLICT", "OBJECT_ALREADY_EXISTS"):
        kind = errors.Conflict
    return kind(text, category=category, hubspot_message=message, operation=operation)


def unreported(p: Pending[Any], operation: str) -> InputOutcome[Any]:
    return InputOutcome(
        index=p.index,
        key=p.key,
        error=errors.UnexpectedResponse(
            "HubSpot's answer named neither a result nor an error for this input; send it "
            "again (every batch call here is safe to repeat).",
            operation=operation,
        ),
    )
