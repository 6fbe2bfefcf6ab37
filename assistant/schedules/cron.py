"""Cron in the owner's time zone, correct across daylight-saving changes.

Cron fields are wall-clock times in the schedule's zone. :func:`next_fire` walks them as
naive local times (``croniter``) and turns each into one instant:

- a time the clock passes twice (autumn, 02:30 on the last Sunday of October in Berlin)
  fires once, at the first pass;
- a time the clock skips (spring, 02:30 on the last Sunday of March) fires when the clock
  jumps (03:00), as cron does: nothing is lost and nothing doubled.

>>> berlin = ZoneInfo("Europe/Berlin")
>>> after = dt.datetime(2026, 10, 24, 12, 0, tzinfo=dt.UTC)
>>> [t.isoformat() for t in fire_times("30 2 * * *", berlin, after, 2)]
['2026-10-25T00:30:00+00:00', '2026-10-26T01:30:00+00:00']
>>> spring = dt.datetime(2026, 3, 28, 12, 0, tzinfo=dt.UTC)
>>> next_fire("30 2 * * *", berlin, spring).astimezone(berlin).isoformat()
'2026-03-29T03:00:00+02:00'
>>> describe("0 9 * * 1"), describe("0 7 * * 1-5"), describe("*/15 * * * *")
('every Monday at 09:00', 'every weekday at 07:00', 'cron */15 * * * *')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from croniter import CroniterError, croniter

from assistant.errors import InvalidInput

__all__ = ["check_cron", "describe", "fire_times", "latest_due", "next_fire"]

_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
#: A cron with no time in this many years never fires (29 February needs at most 8).
_HORIZON_YEARS = 10
#: Where the check starts walking; any date does, cron has no year field.
_CHECK_FROM = dt.datetime(2000, 3, 1)


def check_cron(cron: str) -> str:
    """``cron`` (five fields) if valid and it ever fires, else InvalidInput saying why.

    A cron whose day and month never meet ("0 0 30 2 *", 30 February) is well formed
    but would never run; it is refused here, so no schedule waits for a day that never
    comes and no next run time is asked of croniter, which would raise.

    >>> try:
    ...     check_cron("0 0 31 4 *")
    ... except InvalidInput as exc:
    ...     print(exc.message)  # doctest: +NORMALIZE_WHITESPACE
    '0 0 31 4 *' never fires: no date has that day of the month in that month
    (like 30 February or 31 April); pick a day the month has.
    """
    cron = " ".join(cron.split())
    if len(cron.split()) != 5 or not croniter.is_valid(cron):
        raise InvalidInput(
            f"{cron!r} is not a cron expression; use five fields like "
            "'0 9 * * 1' (minute hour day month weekday)."
        )
    try:
        croniter(cron, _CHECK_FROM, max_years_between_matches=_HORIZON_YEARS).get_next(float)
    except CroniterError:
        raise _never(cron) from None
    return cron


def _never(cron: str) -> InvalidInput:
    return InvalidInput(
        f"{cron!r} never fires: no date has that day of the month in that month "
        "(like 30 February or 31 April); pick a day the month has."
    )


def next_fire(cron: str, zone: ZoneInfo, after: dt.datetime) -> dt.datetime:
    """The first fire time strictly after ``after`` (aware), as an aware UTC instant."""
    return next(fire_times(cron, zone, after, 1))


def fire_times(cron: str, zone: ZoneInfo, after: dt.datetime, count: int) -> Iterator[dt.datetime]:
    """The next ``count`` fire times after ``after``, in order, as aware UTC instants."""
    local = after.astimezone(zone).replace(tzinfo=None)
    # Start an hour early: a wall time passed twice may still be ahead in real time.
    walk = croniter(cron, local - dt.timedelta(hours=1))
    found = 0
    last: dt.datetime | None = None
    while found < count:
        try:
            wall = walk.get_next(dt.datetime)
        except CroniterError:  # stored before check_cron refused such crons
            raise _never(cron) from None
        instant = _instant(wall, zone)
        if instant <= after or instant == last:
            continue
        last = instant
        found += 1
        yield instant


def latest_due(
    cron: str, zone: ZoneInfo, since: dt.datetime, now: dt.datetime
) -> dt.datetime | None:
    """The last fire time in ``[since, now]``: after downtime, the one occurrence to run."""
    due = None
    for instant in fire_times(cron, zone, since - dt.timedelta(microseconds=1), 100_000):
        if instant > now:
            break
        due = instant
    return due


def _instant(wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant of a naive wall time in ``zone`` (first pass; a skipped time at
    the moment the clock jumps)."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # Skipped: the jump lies between the two readings of the gap; find it to the minute.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(dt.UTC)
    high = first
    while high - low > dt.timedelta(minutes=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
            low = middle
        else:
            high = middle
    return high.replace(second=0, microsecond=0)  # clocks change on a whole minute


def describe(cron: str) -> str:
    """A few words for common crons ("every Monday at 09:00"), else the cron itself."""
    minute, hour, day, month, weekday = cron.split()
    if not (minute.isdigit() and hour.isdigit() and day == "*" and month == "*"):
        return f"cron {cron}"
    at = f"at {int(hour):02d}:{int(minute):02d}"
    if weekday == "*":
        return f"every day {at}"
    if weekday == "1-5":
        return f"every weekday {at}"
    if weekday in ("0,6", "6,0"):
        return f"every weekend day {at}"
    if weekday.isdigit() and int(weekday) <= 7:
        return f"every {_DAYS[int(weekday) % 7]} {at}"
    return f"cron {cron}"
