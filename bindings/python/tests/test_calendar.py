"""Calendar: every method, batch forms, errors naming the field."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from ticketry import BoundaryMode, Calendar, InvalidInputError, Segment

CFG = {
    "timezone": "Europe/Berlin",
    "weekly": {d: [["09:00", "12:00"], ["13:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": ["2026-04-03", "2026-04-06"],
    "recurring_holidays": ["12-25"],
}
IST = timezone(timedelta(hours=5, minutes=30))


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def cal() -> Calendar:
    return Calendar.from_json(CFG)


def test_add_and_between(cal: Calendar) -> None:
    monday_9 = utc(2026, 3, 2, 8)  # 09:00 Berlin (CET)
    assert cal.add(monday_9, timedelta(hours=3)) == utc(2026, 3, 2, 11)  # stays at 12:00 close
    assert cal.add(monday_9, timedelta(hours=4)) == utc(2026, 3, 2, 13)  # lunch skipped
    assert cal.add(utc(2026, 3, 1, 20), timedelta(hours=1)) == utc(2026, 3, 2, 9)  # Sunday → Monday 10:00
    assert cal.add(monday_9, timedelta(hours=-1)) == monday_9  # negative counts as zero
    assert cal.between(utc(2026, 3, 1), utc(2026, 3, 3)) == timedelta(hours=7)
    assert cal.between(utc(2026, 3, 3), utc(2026, 3, 1)) == timedelta(0)
    # Good Friday and Easter Monday are holidays: Thursday 17:00 + 1h = Tuesday 10:00 (CEST)
    assert cal.add(utc(2026, 4, 2, 15), timedelta(hours=1)) == utc(2026, 4, 7, 8)
    assert cal.holidays_between(utc(2026, 3, 30), utc(2026, 4, 10)) == [date(2026, 4, 3), date(2026, 4, 6)]


def test_offset_input_round_trips(cal: Calendar) -> None:
    start = datetime(2026, 3, 2, 13, 30, tzinfo=IST)  # 08:00 UTC = 09:00 Berlin
    due = cal.add(start, timedelta(hours=2))
    assert due == utc(2026, 3, 2, 10) and due.tzinfo is timezone.utc
    assert cal.between(start, due) == timedelta(hours=2)


def test_open_close(cal: Calendar) -> None:
    assert cal.is_open(utc(2026, 3, 2, 8, 30)) and not cal.is_open(utc(2026, 3, 2, 11, 30))
    assert cal.next_open(utc(2026, 3, 2, 11, 30)) == utc(2026, 3, 2, 12)
    assert cal.next_close(utc(2026, 3, 2, 8, 30)) == utc(2026, 3, 2, 11)
    closed = Calendar.from_json('{"timezone": "UTC", "weekly": {}}')
    assert closed.next_open(utc(2026, 1, 1)) is None and closed.add(utc(2026, 1, 1), timedelta(hours=1)) is None
    assert Calendar.always_open().next_close(utc(2026, 1, 1)) is None


def test_try_add_errors(cal: Calendar) -> None:
    assert cal.try_add(utc(2026, 3, 2, 8), timedelta(hours=1)) == utc(2026, 3, 2, 9)
    with pytest.raises(InvalidInputError) as e:
        cal.try_add(utc(2026, 3, 2, 8), timedelta(hours=-1))
    assert (e.value.field, e.value.kind) == ("duration", "negative_duration")
    closed = Calendar.from_json({"timezone": "UTC", "weekly": {}})
    with pytest.raises(InvalidInputError) as e:
        closed.try_add(utc(2026, 1, 1), timedelta(hours=1))
    assert e.value.kind == "no_business_time"


def test_batch_forms_match_single_calls(cal: Calendar) -> None:
    starts = [utc(2026, 1, 1) + timedelta(hours=7 * i) for i in range(200)]
    items = [(s, timedelta(hours=1 + i % 40)) for i, s in enumerate(starts)]
    assert cal.add_many(items) == [cal.add(s, d) for s, d in items]
    ranges = [(s, s + timedelta(days=i % 30)) for i, s in enumerate(starts)]
    assert cal.between_many(ranges) == [cal.between(a, b) for a, b in ranges]
    assert cal.add_many(iter(items[:3])) == cal.add_many(tuple(items[:3]))
    assert cal.add_many([]) == [] and cal.between_many([]) == []
    with pytest.raises(InvalidInputError) as e:
        cal.add_many([utc(2026, 1, 1)])
    assert e.value.field == "items"


def test_segments(cal: Calendar) -> None:
    segs = cal.add_segments(utc(2026, 3, 2, 10), timedelta(hours=2))  # 11:00 Berlin
    assert segs == [Segment(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11)), Segment(utc(2026, 3, 2, 12), utc(2026, 3, 2, 13))]
    assert sum((s.duration for s in segs), timedelta()) == timedelta(hours=2)


def test_config_and_identity(cal: Calendar) -> None:
    assert cal.timezone == "Europe/Berlin" and cal.boundary is BoundaryMode.STAY_AT_CLOSE
    assert list(cal.config.holidays) == CFG["holidays"]
    assert Calendar.from_json(cal.to_json()) == cal and hash(Calendar.from_json(cal.config)) == hash(cal)
    assert cal != Calendar.always_open()
    assert 0 < cal.memory_bytes() < 50 * 1024
    lo, hi = cal.precomputed_range()
    assert lo < utc(2026, 6, 1) < hi
    assert "Europe/Berlin" in repr(cal)
    nxt = Calendar.from_json({**CFG, "boundary": "next_opening"})
    assert nxt.boundary is BoundaryMode.NEXT_OPENING
    assert nxt.add(utc(2026, 3, 2, 8), timedelta(hours=3)) == utc(2026, 3, 2, 12)
    windowless = Calendar.with_window(CFG, date(2030, 1, 1), 0)
    assert windowless.precomputed_range() is None
    t = utc(2026, 5, 4, 7)
    assert windowless.add(t, timedelta(hours=30)) == cal.add(t, timedelta(hours=30))
    assert Calendar.is_breached(utc(2026, 1, 1), utc(2026, 1, 1, 0, 0, 1))
    assert not Calendar.is_breached(utc(2026, 1, 1), utc(2026, 1, 1))


@pytest.mark.parametrize(
    ("config", "field", "kind"),
    [
        ('{"timezone": "Mars/Olympus", "weekly": {}}', "timezone", "unknown_time_zone"),
        ({"timezone": "UTC", "weekly": {"mon": [["09:00", "12:00"], ["11:00", "17:00"]]}}, "weekly.mon[1]", "overlapping_intervals"),
        ({"timezone": "UTC", "weekly": {}, "holidays": ["2026-02-30"]}, "holidays[0]", "invalid_date"),
        ({"timezone": "UTC", "weekly": {}, "colour": "red"}, "colour", "unknown_field"),
        ("{not json", "calendar", "syntax"),
    ],
)
def test_config_errors_name_the_field(config, field, kind) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInputError) as e:
        Calendar.from_json(config)
    assert (e.value.field, e.value.kind) == (field, kind)


def test_dst_days(cal: Calendar) -> None:
    # 2026-03-29: Berlin springs forward; Friday 16:00 CET + 2h = Monday 10:00 CEST
    assert cal.add(utc(2026, 3, 27, 15), timedelta(hours=2)) == utc(2026, 3, 30, 8)


def test_epoch_batches_over_int64_buffers(cal: Calendar) -> None:
    from array import array

    def us(t: datetime) -> int:
        return int(t.timestamp()) * 1_000_000

    starts = [utc(2026, 3, 2, 8), utc(2026, 3, 6, 16), utc(2026, 4, 2, 10)]
    spans = [timedelta(hours=3), timedelta(hours=2), timedelta(hours=9)]
    want = cal.add_many(list(zip(starts, spans)))
    s = array("q", [us(t) for t in starts])
    d = array("q", [int(x.total_seconds()) * 1_000_000 for x in spans])
    out = array("q", [0, 0, 0])
    assert cal.add_many_epoch(s, d, out) is out
    assert list(out) == [us(t) for t in want if t is not None]
    fresh = cal.add_many_epoch(s, d)  # a new bytearray of int64s
    assert array("q", bytes(fresh)) == out
    never = Calendar.from_json({"timezone": "UTC", "weekly": {}})
    assert list(array("q", bytes(never.add_many_epoch(array("q", [0]), array("q", [1]))))) == [-(2**63)]
    ends = array("q", [us(t) for t in want if t is not None])
    assert list(array("q", bytes(cal.between_many_epoch(s, ends)))) == [int(x.total_seconds()) * 1_000_000 for x in spans]
    with pytest.raises(InvalidInputError) as e:
        cal.add_many_epoch(array("i", [1]), d)
    assert e.value.field == "starts"
    with pytest.raises(InvalidInputError) as e:
        cal.add_many_epoch(s, array("q", [1]))
    assert e.value.field == "arrays"
    with pytest.raises(InvalidInputError) as e:
        cal.add_many_epoch(s, d, array("q", [0]))
    assert e.value.field == "out"


def test_hostile_configs_and_answers_are_invalid_input() -> None:
    """A dict is read as every argument is; an answer after 9999 and an
    output buffer of another item type are refused, not raised bare."""
    import array

    cyclic: dict = {"timezone": "UTC"}
    cyclic["weekly"] = cyclic
    deep: list = []
    for _ in range(10_000):
        deep = [deep]
    cases = [
        (lambda: Calendar.from_json(cyclic), "weekly"),
        (lambda: Calendar.from_json({"timezone": "UTC", "holidays": deep}), "holidays"),
        (lambda: Calendar.from_json({"timezone": "UTC", "holidays": [{1, 2}]}), "holidays[0]"),
        (lambda: Calendar.always_open().add(utc(9999, 12, 31, 12), timedelta(days=2)), "duration"),
        (lambda: Calendar.always_open().add_many([(utc(2026, 1, 1), timedelta(0)), (utc(9999, 12, 31), timedelta(days=2))]), "items[1][1]"),
        (lambda: Calendar.always_open().add_many({(utc(2026, 1, 1), timedelta(0))}), "items"),
        (lambda: Calendar.always_open().add_many_epoch(array.array("q", [0]), array.array("q", [1]), array.array("d", [0.0])), "out"),
    ]
    for call, field in cases:
        with pytest.raises(InvalidInputError) as e:
            call()
        assert e.value.field is not None and e.value.field.startswith(field), (field, e.value)
    # A trace covers at most 366 days of business time (it took seconds and GBs).
    with pytest.raises(InvalidInputError) as e:
        Calendar.always_open().add_segments(utc(2026, 1, 1), timedelta(days=367))
    assert (e.value.field, e.value.kind) == ("duration", "too_large")
    # A date in a dict is a date, as in the JSON form.
    cal = Calendar.from_json({"timezone": "UTC", "weekly": {"mon": [["09:00", "17:00"]]}, "holidays": [date(2026, 3, 2)]})
    assert not cal.is_open(utc(2026, 3, 2, 10))
    out = array.array("q", [0])
    assert Calendar.always_open().add_many_epoch(array.array("q", [0]), array.array("q", [5]), out) is out
    assert out[0] == 5
