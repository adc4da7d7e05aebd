"""Attendance of one person at one meeting instance, from their join/leave marks (pure code).

Zoom reports a person who drops and rejoins (or joins from a phone and a laptop at once) as
several join..leave segments. Their attended time is the length of the UNION of those segments:
overlapping time from two devices counts once, and segments that touch join into one.

Two steps, both pure: `pair_marks` turns join and leave marks (in any order) into segments;
`merge` sums the union and gives first join, last leave and the number of joins.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class MarkKind(StrEnum):
    JOIN = "join"
    LEAVE = "leave"


@dataclass(frozen=True)
class Mark:
    """One join or one leave. `connection` is Zoom's id of that one connection (a webhook's
    participant `user_id`, a report row's `user_id`): a join and its leave share it; "" when
    unknown."""

    kind: MarkKind
    at: datetime
    connection: str = ""


@dataclass(frozen=True)
class Segment:
    """From `join` to `leave`; None join = a leave whose join never arrived; None leave = still
    in (or the leave has not arrived yet)."""

    join: datetime | None
    leave: datetime | None


@dataclass(frozen=True)
class Attendance:
    joins: int
    first_join: datetime | None
    last_leave: datetime | None  # None while still in
    attended_seconds: int
    still_in: bool
    # The merged stretches of presence (start, end), in time order: what attended_seconds sums.
    spans: tuple[tuple[datetime, datetime], ...] = ()

    def percent_of(self, duration_seconds: int) -> float:
        """Share of a meeting of `duration_seconds`, 0-100 (a person present longer than the
        scheduled duration, e.g. a meeting that overran, is 100 %)."""
        if duration_seconds <= 0:
            return 0.0
        return round(min(100.0, 100.0 * self.attended_seconds / duration_seconds), 1)


def pair_marks(marks: Iterable[Mark]) -> list[Segment]:
    """Segments from marks in any order. Marks of one connection are paired in time order: each
    join with the next leave. A leave with no join before it is a segment without a join (its
    join was lost, or came before we listened). Two joins in a row (a lost leave) close the
    first segment at the second join: the person was there until they joined again."""
    by_connection: dict[str, list[Mark]] = defaultdict(list)
    for mark in marks:
        by_connection[mark.connection].append(mark)
    segments: list[Segment] = []
    for group in by_connection.values():
        # At the same instant a leave sorts before a join: leave-then-rejoin, not an empty pair.
        group.sort(key=lambda m: (m.at, m.kind is MarkKind.JOIN))
        open_join: datetime | None = None
        for mark in group:
            if mark.kind is MarkKind.JOIN:
                if open_join is not None:
                    segments.append(Segment(open_join, mark.at))
                open_join = mark.at
            else:
                segments.append(Segment(open_join, mark.at))
                open_join = None
        if open_join is not None:
            segments.append(Segment(open_join, None))
    return segments


def merge(
    segments: Iterable[Segment],
    *,
    meeting_start: datetime | None = None,
    until: datetime | None = None,
) -> Attendance:
    """The union of `segments`. A segment without a join counts from `meeting_start` (nothing
    when unknown); an open segment counts up to `until` (the meeting's end, or now while it
    runs; nothing when None) and makes the person `still_in`."""
    intervals: list[tuple[datetime, datetime]] = []
    joins = 0
    first_join: datetime | None = None
    last_leave: datetime | None = None
    still_in = False
    for segment in segments:
        if segment.join is not None:
            joins += 1
            first_join = segment.join if first_join is None else min(first_join, segment.join)
        if segment.leave is None:
            still_in = True
        else:
            last_leave = segment.leave if last_leave is None else max(last_leave, segment.leave)
        start = segment.join if segment.join is not None else meeting_start
        end = segment.leave if segment.leave is not None else until
        if start is not None and end is not None and end > start:
            intervals.append((start, end))
    intervals.sort()
    spans: list[tuple[datetime, datetime]] = []
    for start, end in intervals:
        if spans and start <= spans[-1][1]:  # overlapping or touching
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    total = sum((end - start).total_seconds() for start, end in spans)
    return Attendance(
        joins=joins,
        first_join=first_join,
        last_leave=None if still_in else last_leave,
        attended_seconds=int(total),
        still_in=still_in,
        spans=tuple(spans),
    )


def attendance_of(
    marks: Iterable[Mark], *, meeting_start: datetime | None = None, until: datetime | None = None
) -> Attendance:
    return merge(pair_marks(marks), meeting_start=meeting_start, until=until)
