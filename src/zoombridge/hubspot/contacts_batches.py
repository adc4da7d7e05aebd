"""Contacts in batches: upsert by email and read by email, 100 inputs per call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zoombridge.hubspot import errors
from zoombridge.hubspot.batches import Pending, assemble, item_errors, run_chunks, unreported
from zoombridge.hubspot.models import BatchOutcome, Contact, InputOutcome, UpsertedContact
from zoombridge.hubspot.operations import BATCH_INPUTS, OPERATIONS
from zoombridge.hubspot.requests import ContactInput, looks_like_email, normalize_email
from zoombridge.hubspot.responses import invalid_email, json_body
from zoombridge.hubspot.sending import Sender

EMAIL_PROPERTIES = ("email", "hs_additional_emails")
"""Always read back: batch reads by email are matched to their inputs through them."""


async def upsert(
    sender: Sender, contacts: Sequence[ContactInput], concurrency: int
) -> BatchOutcome[UpsertedContact]:
    op = OPERATIONS["contacts.batch_upsert"]
    merged: dict[str, dict[str, str]] = {}
    refused: list[InputOutcome[UpsertedContact]] = []
    for index, contact in enumerate(contacts):
        if not looks_like_email(contact.key):
            refused.append(invalid_email(index, contact.email, op))
            continue
        # HubSpot refuses a batch naming one id twice: repeats are merged here.
        merged.setdefault(contact.key, {}).update(contact.property_strings())
    pending = [
        Pending[Any](
            index=position,
            key=key,
            # No `email` among the properties: upserting by a secondary email must update its
            # contact, not try to make the secondary email primary.
            payload={
                "id": key,
                "idProperty": "email",
                "objectWriteTraceId": str(position),
                "properties": properties,
            },
        )
        for position, (key, properties) in enumerate(merged.items())
    ]

    async def send(chunk: list[Pending[Any]]) -> list[InputOutcome[UpsertedContact]]:
        body = json_body(await sender.send(op, json={"inputs": [p.payload for p in chunk]}), op)
        by_trace: dict[str, UpsertedContact] = {}
        untraced: list[UpsertedContact] = []
        for item in body.get("results") or []:
            contact = UpsertedContact.model_validate(item)
            if contact.object_write_trace_id is not None:
                by_trace[contact.object_write_trace_id] = contact
            else:
                untraced.append(contact)
        keys = [p.key for p in chunk] + [str(p.index) for p in chunk]
        failures = item_errors(body, keys, sender.scrub, op.name)
        outcomes: list[InputOutcome[UpsertedContact]] = []
        for p in chunk:
            found = by_trace.get(str(p.index)) or next(
                (c for c in untraced if c.has_email(p.key)), None
            )
            error = failures.get(p.key) or failures.get(str(p.index))
            if found is not None:
                outcomes.append(InputOutcome(index=p.index, key=p.key, result=found))
            elif error is not None:
                outcomes.append(InputOutcome(index=p.index, key=p.key, error=error))
            else:
                outcomes.append(unreported(p, op.name))
        return outcomes

    sent, calls = await run_chunks(pending, send, size=BATCH_INPUTS, concurrency=concurrency)
    by_key = {o.key: o for o in sent}
    outcomes = list(refused)
    for index, contact in enumerate(contacts):
        shared = by_key.get(contact.key)
        if shared is not None:
            outcomes.append(shared.model_copy(update={"index": index}))
    return assemble(len(contacts), outcomes, calls)


async def read_by_email(
    sender: Sender,
    emails: Sequence[str],
    properties: Sequence[str],
    archived: bool,
    concurrency: int,
) -> BatchOutcome[Contact]:
    op = OPERATIONS["contacts.batch_read"]
    wanted = sorted(set(properties) | set(EMAIL_PROPERTIES))
    refused: list[InputOutcome[Contact]] = []
    pending: list[Pending[Any]] = []
    for index, email in enumerate(emails):
        key = normalize_email(email)
        if looks_like_email(key):
            pending.append(Pending[Any](index=index, key=key, payload={"id": key}))
        else:
            refused.append(invalid_email(index, email, op))

    async def send(chunk: list[Pending[Any]]) -> list[InputOutcome[Contact]]:
        request = {
            "idProperty": "email",
            "inputs": [p.payload for p in chunk],
            "properties": wanted,
            "propertiesWithHistory": [],
        }
        params = {"archived": "true"} if archived else None
        body = json_body(await sender.send(op, params=params, json=request), op)
        found = [Contact.model_validate(item) for item in body.get("results") or []]
        failures = item_errors(body, [p.key for p in chunk], sender.scrub, op.name)
        outcomes: list[InputOutcome[Contact]] = []
        for p in chunk:
            # A secondary email comes back as its contact, whose `email` is the primary one.
            contact = next((c for c in found if c.has_email(p.key)), None)
            if contact is not None:
                outcomes.append(InputOutcome(index=p.index, key=p.key, result=contact))
            else:
                error = failures.get(p.key) or errors.ContactNotFound(operation=op.name)
                outcomes.append(InputOutcome(index=p.index, key=p.key, error=error))
        return outcomes

    sent, calls = await run_chunks(pending, send, size=BATCH_INPUTS, concurrency=concurrency)
    return assemble(len(emails), refused + sent, calls)
