"""The public holidays fixed by national regulation, for years the State Council notice does not cover.

全国年节及纪念日放假办法 (as revised by 国务院令第795号, 2024, in force 2025-01-01), Art 2 —
holidays for all citizens:
  (一) 元旦 1 day (1 January);
  (二) 春节 4 days (农历除夕, 正月初一, 初二, 初三);
  (三) 清明节 1 day (the day of the 清明 solar term);
  (四) 劳动节 2 days (1 and 2 May);
  (五) 端午节 1 day (农历五月初五);
  (六) 中秋节 1 day (农历八月十五);
  (七) 国庆节 3 days (1, 2 and 3 October).
Art 6 (a holiday falling on a weekend is made up on a working day) and the annual 调休 are set by
each year's notice, so a calendar built from these days alone is provisional.

Lunar dates and the solar term come from ``lunar-python`` (6tail), not a hand-written table.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from lunar_python import Lunar


def _solar(lunar_month: int, lunar_day: int, year: int) -> date:
    solar = Lunar.fromYmd(year, lunar_month, lunar_day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def spring_festival(year: int) -> date:
    """正月初一 of a Gregorian year."""
    return _solar(1, 1, year)


@cache
def statutory_holidays(year: int) -> frozenset[date]:
    """The Art 2 holidays of a Gregorian year (除夕 and 正月初一 always fall in the same year)."""
    new_year = spring_festival(year)
    qingming = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    days = {
        date(year, 1, 1),
        *(new_year + timedelta(days=k) for k in range(-1, 3)),
        date(qingming.getYear(), qingming.getMonth(), qingming.getDay()),
        date(year, 5, 1), date(year, 5, 2),
        _solar(5, 5, year),
        _solar(8, 15, year),
        *(date(year, 10, d) for d in (1, 2, 3)),
    }
    return frozenset(days)
