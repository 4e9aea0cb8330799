"""The scale benchmarks' own parts, without a server (the runs themselves are `python -m bench.year`
and `python -m bench.open_cases`, bench/README.md): bench.year's arrival calendar, the bare
baseline's shape of a case, and bench.open_cases' generated parties."""

from __future__ import annotations

import random
from datetime import date

import pytest
from temporalio.api.enums.v1 import EventType

from bench.bare import shape
from bench.open_cases import party_intake
from bench.year import MIX, Year, arrivals, day_weight
from domain.calendar import WorkCalendar
from domain.identity import credit_code_problem, id_number_problem
from tests import factories
from tests.paths import FAMILIES, FAMILY_OF
from tests.test_replay import HISTORIES, load


@pytest.mark.parametrize(("day", "weight"), [
    (date(2026, 6, 10), 1.0),  # a Wednesday
    (date(2026, 6, 13), 0.3),  # a Saturday
    (date(2026, 10, 1), 0.1),  # National Day
    (date(2026, 12, 2), 1.6),  # a working day in the winter campaign
    (date(2026, 2, 14), 1.6),  # a Saturday worked (调休) before Spring Festival
    (date(2026, 2, 16), 0.16),  # 除夕: a holiday in the campaign
    (date(2026, 2, 24), 1.0),  # the first working day after the festival: the campaign is over
])
def test_a_day_weighs_by_the_calendar_and_the_winter_campaign(day: date, weight: float) -> None:
    assert day_weight(day, Year(), WorkCalendar()) == pytest.approx(weight)


def test_arrivals_are_the_share_of_a_year_in_order_over_the_families() -> None:
    arrived = arrivals(Year(disputes=20_000, share=0.02), random.Random(3))
    days = [day for day, _ in arrived]
    assert len(arrived) == 400 and days == sorted(days) and {d.year for d in days} == {2026}
    families = {FAMILY_OF[path.name] for _, path in arrived}
    assert families == set(MIX) == set(FAMILIES)
    december = sum(d.month == 12 for d in days)
    october = sum(d.month == 10 for d in days)
    assert december > october  # the campaign against the National Day week


def test_an_unknown_family_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown families: nowhere"):
        arrivals(Year(mix={"nowhere": 1.0}), random.Random(1))


@pytest.mark.parametrize("name", ["aid_granted_agreement", "award_clock_restarted_paused_extended"])
def test_the_bare_shape_has_the_case_s_activities_events_and_timers(name: str) -> None:
    history = load(HISTORIES / f"{name}.json")
    plan, timers = shape(history)
    count = lambda kind: sum(e.event_type == kind for e in history.events)  # noqa: E731
    assert sum(plan) == count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
    assert len(plan) == len(timers) == count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) + 1
    assert sum(f for f, _ in timers) == count(EventType.EVENT_TYPE_TIMER_FIRED)
    assert sum(map(sum, timers)) == count(EventType.EVENT_TYPE_TIMER_STARTED)


def test_generated_parties_have_valid_check_characters_and_cases_differ() -> None:
    rng = random.Random(5)
    intakes = [party_intake(i, rng, factories.TODAY) for i in range(30)]
    assert len({intake.case_number() for intake in intakes}) == 30
    for intake in intakes:
        assert credit_code_problem(intake.employer.credit_code) is None
        assert all(id_number_problem(c.id_number) is None for c in intake.claimants)
