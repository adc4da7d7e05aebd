"""The pure merge: marks paired into segments, segments unioned, never double counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from zoombridge.attendance.merge import Mark, MarkKind, Segment, attendance_of, merge, pair_marks

T0 = datetime(2031, 3, 4, 15, 0, tzinfo=UTC)
J, L = MarkKind.JOIN, MarkKind.LEAVE


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def seg(join: float | None, leave: float | None) -> Segment:
    return Segment(at(join) if join is not None else None, at(leave) if leave is not None else None)


def test_disjoint_segments_add_up() -> None:
    result = merge([seg(0, 10), seg(20, 30)])
    assert result.attended_seconds == 20 * 60
    assert result.joins == 2
    assert result.first_join == at(0)
    assert result.last_leave == at(30)
    assert not result.still_in


def test_overlap_from_two_devices_counts_once() -> None:
    result = merge([seg(0, 30), seg(10, 40)])
    assert result.attended_seconds == 40 * 60
    assert result.joins == 2


def test_contained_segment_adds_nothing() -> None:
    assert merge([seg(0, 60), seg(10, 20)]).attended_seconds == 60 * 60


def test_touching_segments_join() -> None:
    result = merge([seg(0, 10), seg(10, 25)])
    assert result.attended_seconds == 25 * 60
    assert result.joins == 2


def test_open_segment_counts_until_now_and_is_still_in() -> None:
    result = merge([seg(0, 10), seg(20, None)], until=at(50))
    assert result.attended_seconds == (10 + 30) * 60
    assert result.still_in
    assert result.last_leave is None


def test_open_segment_without_until_counts_nothing() -> None:
    assert merge([seg(5, None)]).attended_seconds == 0


def test_leave_without_join_counts_from_meeting_start() -> None:
    result = merge([seg(None, 15)], meeting_start=at(0))
    assert result.attended_seconds == 15 * 60
    assert result.joins == 0
    assert result.first_join is None
    assert result.last_leave == at(15)


def test_leave_without_join_and_unknown_start_counts_nothing() -> None:
    assert merge([seg(None, 15)]).attended_seconds == 0


def test_out_of_order_marks_pair_by_time() -> None:
    marks = [
        Mark(L, at(30), "c2"),
        Mark(J, at(20), "c2"),
        Mark(L, at(10), "c1"),
        Mark(J, at(0), "c1"),
    ]
    assert sorted(pair_marks(marks), key=lambda s: s.join or T0) == [seg(0, 10), seg(20, 30)]
    assert attendance_of(marks).attended_seconds == 20 * 60


def test_marks_without_connection_ids_pair_in_time_order() -> None:
    marks = [Mark(J, at(40)), Mark(L, at(50)), Mark(L, at(10)), Mark(J, at(0))]
    result = attendance_of(marks)
    assert result.attended_seconds == 20 * 60
    assert result.joins == 2


def test_overlapping_devices_from_marks() -> None:
    marks = [Mark(J, at(0), "phone"), Mark(J, at(5), "laptop")]
    marks += [Mark(L, at(30), "phone"), Mark(L, at(45), "laptop")]
    result = attendance_of(marks)
    assert result.attended_seconds == 45 * 60
    assert result.joins == 2


def test_lost_leave_closes_at_the_rejoin() -> None:
    marks = [Mark(J, at(0)), Mark(J, at(20)), Mark(L, at(30))]
    assert pair_marks(marks) == [seg(0, 20), seg(20, 30)]
    assert attendance_of(marks).attended_seconds == 30 * 60


def test_leave_and_rejoin_at_the_same_second() -> None:
    marks = [Mark(J, at(0)), Mark(L, at(10)), Mark(J, at(10)), Mark(L, at(15))]
    result = attendance_of(marks)
    assert result.joins == 2
    assert result.attended_seconds == 15 * 60


def test_percent_is_of_the_duration_and_capped() -> None:
    result = merge([seg(0, 30)])
    assert result.percent_of(60 * 60) == 50.0
    assert result.percent_of(20 * 60) == 100.0
    assert result.percent_of(0) == 0.0
