"""Beyond the holiday data the fallback rests on the days fixed by 全国年节及纪念日放假办法 Art 2."""

from datetime import date

import pytest

from domain.calendar import DayCount, WorkCalendar
from domain.statutory_holidays import statutory_holidays

CAL = WorkCalendar()
D = date.fromisoformat


@pytest.mark.parametrize("day", [
    "2027-01-01",  # 元旦
    "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08",  # 除夕 … 初三
    "2027-04-05",  # 清明
    "2027-05-01", "2027-05-02",
    "2027-06-09",  # 端午
    "2027-09-15",  # 中秋
    "2027-10-01", "2027-10-02", "2027-10-03",
])
def test_statutory_days_rest_and_are_provisional(day: str) -> None:
    assert CAL.is_workday(D(day)) == (False, True)


def test_days_around_them_are_provisional_working_days() -> None:
    for day in ("2027-02-04", "2027-02-09", "2027-05-06", "2027-10-08"):
        assert CAL.is_workday(D(day)) == (True, True)


def test_the_regulation_gives_thirteen_days() -> None:
    assert len(statutory_holidays(2027)) == 13


def test_the_regulation_matches_the_notices_fixed_days() -> None:
    """The notice covers 2025 and 2026: every day the regulation fixes is a rest day there too."""
    for year in (2025, 2026):
        for day in statutory_holidays(year):
            assert CAL.is_workday(day) == (False, False), day


def test_known_2026_data_unchanged() -> None:
    assert CAL.is_workday(D("2026-10-10")) == (True, False)  # 调休
    assert CAL.is_workday(D("2026-10-05")) == (False, False)
    assert CAL.add_days(D("2026-12-01"), 10) == DayCount(D("2026-12-11"), provisional=False)


def test_a_window_into_2027_skips_new_year() -> None:
    assert CAL.add_days(D("2026-12-17"), 15) == DayCount(D("2027-01-04"), provisional=True)
    assert CAL.add_days(D("2027-01-20"), 16) == DayCount(D("2027-02-09"), provisional=True)  # past 初三
    assert CAL.add_workdays(D("2027-09-30"), 1).day == D("2027-10-04")
