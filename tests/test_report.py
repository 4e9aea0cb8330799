"""The supervision report on a hand-seeded registry: every figure checked against a hand count.

Period 2026-03-01 – 2026-03-31, report made 2026-04-02 12:00 (Shanghai). The seed:

  case  channel      district  opened        closed          claimed  recovered  stages
  A     union        360113    03-02 09:00   03-12 10:00     10,000   8,000      intake 1 h → mediation 10 d
  B     inspection   360113    03-05 10:00   —               50,000   —          intake 1 d → inspection
  C     arbitration  360113    02-20 10:00   03-15 12:00     20,000   20,000     intake 0 → arbitration 23 d 2 h
  D     union        360102    03-10 09:00   —                5,000   —          intake 30 min → mediation
  E     window       360113    04-01 09:00   —                3,000   —          (after the period)

  duty (ledger)                    owner        due              state                          counts as
  A legal_aid.same_day_review      legal_aid    03-02 17:30      met 03-02 15:00                on time
  B inspect.investigate            inspection   03-20 17:30      lapsed                         late; overdue 13 d
  C arb.one_time_notice            arbitration  02-25 17:30      met late 03-01 09:00           late
  D legal_aid.same_day_review      legal_aid    03-10 17:30      met 03-10 11:00                on time
  E legal_aid.same_day_review      legal_aid    04-01 17:30      running (past due)             overdue 1 d only
  M meeting.action (about B)       union        03-25 24:00      lapsed                         late; overdue 8 d
  A mediation.window (party)       union        03-17 24:00      cancelled                      not counted
  C arb.final.worker_sues (party)  —            03-10 24:00      expired                        not counted
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest

from domain.calendar import SHANGHAI
from domain.models import Agency
from domain.rules import Settings
from registry.reports import Report, load_report
from registry.store import Registry
from starters.report import sections, to_csv
from tests.report_seed import Seeder

NOW = datetime(2026, 4, 2, 12, 0, tzinfo=SHANGHAI)
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def seed_march(registry: Registry) -> dict[str, str]:
    s = Seeder(registry)
    a = s.open("union", "360113", "10000.00", at(3, 2, 9))
    s.duty(a, at(3, 2, 10), "mediation", "legal_aid.same_day_review", "legal_aid", at(3, 2, 17, 30), "met",
           at(3, 2, 15))
    s.duty(a, at(3, 3, 9), "mediation", "mediation.window", "union", at(3, 18), "cancelled", at(3, 12, 10))
    s.change(a, at(3, 12, 10), "closed", "case.closed", recovered="8000.00", closed=True)

    b = s.open("inspection", "360113", "50000.00", at(3, 5, 10))
    s.duty(b, at(3, 6, 10), "inspection", "inspect.investigate", "inspection", at(3, 20, 17, 30), "lapsed")

    c = s.open("arbitration", "360113", "20000.00", at(2, 20, 10))
    s.change(c, at(2, 20, 10), "arbitration")
    s.duty(c, at(3, 1, 9), "arbitration", "arb.one_time_notice", "arbitration", at(2, 25, 17, 30), "met_late",
           at(3, 1, 9))
    s.duty(c, at(3, 2, 9), "arbitration", "arb.final.worker_sues", None, at(3, 11), "expired")
    s.change(c, at(3, 15, 12), "closed", "case.closed", recovered="20000.00", closed=True)

    d = s.open("union", "360102", "5000.00", at(3, 10, 9))
    s.duty(d, at(3, 10, 9, 30), "mediation", "legal_aid.same_day_review", "legal_aid", at(3, 10, 17, 30), "met",
           at(3, 10, 11))

    e = s.open("window", "360113", "3000.00", at(4, 1, 9))
    s.duty(e, at(4, 1, 9), "legal_aid_review", "legal_aid.same_day_review", "legal_aid", at(4, 1, 17, 30),
           "running")

    meeting = s.meeting("MTG-20260318-TEST01", Agency.INSPECTION, "B案", [b], at(3, 18, 9))
    s.duty(meeting, at(3, 18, 10), "agreed", "meeting.action", "union", at(3, 26), "lapsed")
    return {"A": a, "B": b, "C": c, "D": d, "E": e, "M": meeting}


@pytest.fixture
def seeded(registry: Registry) -> dict[str, str]:
    return seed_march(registry)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> Registry:
    return request.getfixturevalue("registry" if request.param == "sqlite" else "pg_registry")


def march(registry: Registry, settings: Settings, district: str | None = None) -> Report:
    return load_report(registry, settings.rules, *MARCH, district=district, now=NOW)


def test_figures_match_the_hand_count(store: Registry, settings: Settings) -> None:
    seeded = seed_march(store)
    r = march(store, settings)
    assert (r.opened, r.closed) == (3, 2)
    by_channel = {c.channel: c for c in r.channels}
    assert list(by_channel) == ["inspection", "arbitration", "union"]  # the window's case is April's
    assert [(c.opened, c.closed, c.open_now) for c in by_channel.values()] == [(1, 0, 1), (0, 1, 0), (2, 1, 1)]
    assert by_channel["union"].claimed == Decimal("15000.00")
    assert (by_channel["union"].closed_claimed, by_channel["union"].recovered) == (Decimal("10000.00"),
                                                                                   Decimal("8000.00"))
    assert by_channel["arbitration"].recovered == Decimal("20000.00")
    assert (r.claimed, r.recovered, r.closed_claimed) == (Decimal("65000.00"), Decimal("28000.00"),
                                                          Decimal("30000.00"))

    stages = {s.stage: (s.open_now, s.closed_from) for s in r.stages}
    assert stages["mediation"] == (1, 1) and stages["inspection"] == (1, 0) and stages["arbitration"] == (0, 1)
    assert stages["intake"] == (0, 0)

    assert (r.on_time.met, r.on_time.late, r.on_time.rate) == (2, 3, 0.4)
    assert {x.key: (x.met, x.late) for x in r.on_time_rules} == {
        "legal_aid.same_day_review": (2, 0), "inspect.investigate": (0, 1), "arb.one_time_notice": (0, 1),
        "meeting.action": (0, 1)}
    assert {x.key: (x.met, x.late) for x in r.on_time_agencies} == {
        "legal_aid": (2, 0), "inspection": (0, 1), "arbitration": (0, 1), "union": (0, 1)}

    assert [(o.scope, o.rule_id, o.responsible, o.days_late) for o in r.overdue] == [
        (seeded["B"], "inspect.investigate", "inspection", 13),
        (seeded["M"], "meeting.action", "union", 8),
        (seeded["E"], "legal_aid.same_day_review", "legal_aid", 1)]

    days = {d.stage: (d.stays, d.median_days, d.longest_days) for d in r.stage_days}
    assert days == {"intake": (3, 0.0, 1.0), "mediation": (1, 10.0, 10.0), "arbitration": (1, 23.1, 23.1)}


def test_district_filter(store: Registry, settings: Settings) -> None:
    seeded = seed_march(store)
    r = march(store, settings, district="360102")
    assert (r.opened, r.closed, r.on_time.met, r.on_time.late, r.overdue) == (1, 0, 1, 0, [])
    assert r.claimed == Decimal("5000.00")
    hongutan = march(store, settings, district="360113")
    assert [o.scope for o in hongutan.overdue] == [seeded["B"], seeded["M"], seeded["E"]]  # the meeting is about B


def test_csv_has_every_section_with_the_same_figures(seeded: dict[str, str], registry: Registry,
                                                     settings: Settings) -> None:
    r = march(registry, settings)
    rows = list(csv.reader(io.StringIO(to_csv(r, settings.rules))))
    titles = [row[0] for row in rows if row and row[0].startswith("# ")]
    assert titles == ["# 总览", "# 受理与结案 · 按受理渠道", "# 案件阶段与办理天数", "# 按期率 · 按责任单位",
                      "# 按期率 · 按期限规则", "# 当前逾期事项"]
    assert ["法定/方案期限按期率", "40.0%（2/5）"] in rows
    assert ["工会", "2", "1", "1", "15,000.00", "10,000.00", "10,000.00", "8,000.00", "80.0%"] in rows
    assert ["结案追回率", "93.3%"] in rows
    overdue = next(s for s in sections(r, settings.rules, "en") if s.key == "overdue")
    assert overdue.rows[0][:6] == [seeded["B"], "inspect.investigate", "Finish the investigation",
                                   "labour inspection", "2026-03-20 17:30", 13]


def test_csv_cells_never_start_a_formula(registry: Registry, settings: Settings) -> None:
    """A note people typed (a meeting's action) reaches the overdue list; in a spreadsheet it stays text."""
    s = Seeder(registry)
    meeting = s.meeting("MTG-20260318-TEST02", Agency.UNION, "会商", [], at(3, 18, 9))
    typed = '=HYPERLINK("http://evil.example","点此")'
    s.duty(meeting, at(3, 18, 10), "agreed", "meeting.action", "union", at(3, 26), "lapsed", note=typed)
    rows = list(csv.reader(io.StringIO(to_csv(march(registry, settings), settings.rules))))
    cells = [cell for row in rows for cell in row]
    assert "'" + typed in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@")]


def test_a_provisional_due_date_is_marked_in_the_overdue_list(seeded: dict[str, str], registry: Registry,
                                                              settings: Settings) -> None:
    from sqlmodel import select

    from registry.tables import DeadlineRecord
    from starters.report_html import render_html

    with registry.session() as s:  # as if computed past the holiday data
        row = s.exec(select(DeadlineRecord).where(DeadlineRecord.case_number == seeded["B"])).first()
        assert row is not None
        row.provisional = True
        s.add(row)
        s.commit()
    r = march(registry, settings)
    assert r.overdue[0].provisional and not r.overdue[1].provisional
    zh = next(s for s in sections(r, settings.rules, "zh") if s.key == "overdue")
    assert zh.rows[0][4] == "2026-03-20 17:30（暂定）" and "暂定" not in zh.rows[1][4]
    en = next(s for s in sections(r, settings.rules, "en") if s.key == "overdue")
    assert en.rows[0][4] == "2026-03-20 17:30 (provisional)"
    assert "2026-03-20 17:30（暂定）" in render_html(r, settings.rules)


def test_recovery_is_measured_against_an_amount_agreed_above_the_claim(store: Registry, settings: Settings) -> None:
    """An agreement of 53,600 on an 18,000 claim (claims added in mediation, the reason written, as
    the case requires) paid in full is 100 % recovered, not 297.8 %; a case paid less than its claim
    still counts against the claim."""
    s = Seeder(store)
    added = s.open("union", "360113", "18000.00", at(3, 2, 9))
    s.change(added, at(3, 5, 9), "mediation", "event.mediation_agreement", above_claim="53600.00")
    s.change(added, at(3, 20, 9), "closed", "case.closed", recovered="53600.00", above_claim="53600.00", closed=True)
    short = s.open("union", "360113", "10000.00", at(3, 3, 9))
    s.change(short, at(3, 21, 9), "closed", "case.closed", recovered="6000.00", closed=True)
    r = march(store, settings)
    union = next(c for c in r.channels if c.channel == "union")
    assert (union.closed_claimed, union.closed_base, union.recovered) == (
        Decimal("28000.00"), Decimal("63600.00"), Decimal("59600.00"))
    assert round(r.recovery or 0, 4) == round(59600 / 63600, 4)
    summary = next(x for x in sections(r, settings.rules) if x.key == "summary")
    assert ["结案追回率", "93.7%"] in summary.rows
