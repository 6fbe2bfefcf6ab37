"""The proleptic Gregorian calendar in whole days since 1970-01-01, for any year.

Python's ``datetime`` stops at years 1 and 9999; PostgreSQL dates go from 4713 BC to
5874897 AD and Arrow's further. Howard Hinnant's integer algorithms are exact for every
integer (year 0 is 1 BC), both ways.
"""

from __future__ import annotations


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to a proleptic Gregorian date (Hinnant's ``days_from_civil``).

    >>> days_from_civil(1970, 1, 1), days_from_civil(-43, 3, 15)  # 44 BC
    (0, -735160)
    """
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468


def civil_date(days: int) -> tuple[int, int, int]:
    """(year, month, day) of the proleptic Gregorian calendar, ``days`` after 1970-01-01.

    Howard Hinnant's ``civil_from_days``: exact for every integer, year 0 being 1 BC.

    >>> civil_date(0), civil_date(-1), civil_date(-719_529)
    ((1970, 1, 1), (1969, 12, 31), (-1, 12, 31))
    """
    shifted = days + 719_468  # from 0000-03-01, so the leap day ends each year
    era = shifted // 146_097
    day_of_era = shifted - era * 146_097
    year_of_era = (
        day_of_era - day_of_era // 1_460 + day_of_era // 36_524 - day_of_era // 146_096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_index = (5 * day_of_year + 2) // 153  # 0 is March
    day = day_of_year - (153 * month_index + 2) // 5 + 1
    month = month_index + 3 if month_index < 10 else month_index - 9
    return year_of_era + era * 400 + (month <= 2), month, day
