"""Participations by email (register / attend / cancel), 100 inputs per call.

HubSpot answers 200 even when some inputs fail: their errors come back in `errors[]`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zoombridge.hubspot.batches import Pending, assemble, item_errors, run_chunks, unreported
from zoombridge.hubspot.models import BatchOutcome, InputOutcome, ParticipationRecorded
from zoombridge.hubspot.operations import BATCH_INPUTS, OPERATIONS
from zoombridge.hubspot.requests import Participant, SubscriberState, looks_like_email
from zoombridge.hubspot.responses import invalid_email, json_body
from zoombridge.hubspot.sending import Sender


async def record(
    sender: Sender,
    external_account_id: str,
    external_event_id: str,
    state: SubscriberState,
    participants: Sequence[Participant],
    concurrency: int,
) -> BatchOutcome[ParticipationRecorded]:
    op = OPERATIONS["participations.record_by_email"]
    refused: list[InputOutcome[ParticipationRecorded]] = []
    pending: list[Pending[Any]] = []
    for index, person in enumerate(participants):
        if looks_like_email(person.key):
            pending.append(Pending[Any](index=index, key=person.key, payload=person.to_json(state)))
        else:
            refused.append(invalid_email(index, person.email, op))
    path = {"externalEventId": external_event_id, "subscriberState": state.value}
    params = {"externalAccountId": external_account_id}

    async def send(chunk: list[Pending[Any]]) -> list[InputOutcome[ParticipationRecorded]]:
        request = {"inputs": [p.payload for p in chunk]}
        body = json_body(await sender.send(op, path, params=params, json=request), op)
        recorded = [ParticipationRecorded.model_validate(r) for r in body.get("results") or []]
        by_email = {r.email.strip().lower(): r for r in recorded}
        failures = item_errors(body, [p.key for p in chunk], sender.scrub, op.name)
        outcomes: list[InputOutcome[ParticipationRecorded]] = []
        for p in chunk:
            if p.key in by_email:
                outcomes.append(InputOutcome(index=p.index, key=p.key, result=by_email[p.key]))
            elif p.key in failures:
                outcomes.append(InputOutcome(index=p.index, key=p.key, error=failures[p.key]))
            else:
                outcomes.append(unreported(p, op.name))
        return outcomes

    sent, calls = await run_chunks(pending, send, size=BATCH_INPUTS, concurrency=concurrency)
    return assemble(len(participants), refused + sent, calls)
