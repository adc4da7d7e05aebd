"""CSV exports of a course event's results (UTF-8, one header row): one row per learner ×
session, the wide matrix (a learner per row), and the raw join/leave segments. Cells a
spreadsheet would run as a formula get a leading apostrophe."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.events.models import Event
from zoombridge.results.compute import Cell, Segment, SessionInfo, compute, load_context
from zoombridge.results.service.matrix import event_results

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _time(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


async def long_csv(session: AsyncSession, event: Event, now: datetime) -> str:
    """learner × session rows, written a session at a time."""
    ctx = await load_context(session, event)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["email", "name", "session", "session_start", "minutes", "percent", "status", "reason"]
    )

    def sink(info: SessionInfo, cells: list[Cell]) -> None:
        label = info.label or info.start.isoformat()
        for c in cells:
            learner = ctx.learners[c.learner_id]
            writer.writerow(
                [
                    _safe(learner.email),
                    _safe(learner.name),
                    _safe(label),
                    info.start.isoformat(),
                    round(c.seconds / 60, 1),
                    c.percent,
                    c.status.value,
                    _safe(c.reason or ""),
                ]
            )

    await compute(session, ctx, now, sink)
    return out.getvalue()


async def wide_csv(session: AsyncSession, event: Event, now: datetime) -> str:
    results = await event_results(session, event, now)
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["email", "name"]
    for index, column in enumerate(results.sessions, start=1):
        label = column.label or f"session {index}"
        header += [f"{label} minutes", f"{label} %", f"{label} status"]
    header += ["total minutes", "total %", "sessions attended", "completion"]
    writer.writerow([_safe(h) for h in header])
    for row in results.learners:
        line: list[object] = [_safe(row.email), _safe(row.name)]
        for cell in row.cells:
            line += [cell.minutes, cell.percent, cell.status.value]
        line += [row.total_minutes, row.total_percent, row.sessions_attended, row.completion.value]
        writer.writerow(line)
    return out.getvalue()


async def segments_csv(session: AsyncSession, event: Event, now: datetime) -> str:
    """Every join..leave segment as Zoom gave it (before clipping), with its learner."""
    ctx = await load_context(session, event)
    labels = {s.id: s.label or s.start.isoformat() for s in ctx.sessions}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["session", "participant", "participant_email", "learner_email", "join", "leave"]
    )

    def segment(s: Segment) -> None:
        learner = ctx.learners.get(s.learner_id) if s.learner_id else None
        writer.writerow(
            [
                _safe(labels[s.session_id]),
                _safe(s.name or s.person_key),
                _safe(s.email),
                _safe(learner.email if learner else ""),
                _time(s.join),
                _time(s.leave),
            ]
        )

    await compute(session, ctx, now, lambda info, cells: None, segments=segment)
    return out.getvalue()
