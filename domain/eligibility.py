"""Intake rules as pure functions: limitation, legal-aid referral, case flags."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel

from domain.models import WAGE_LIKE_CLAIMS, CaseFlag, CaseIntake, Claimant, ClaimType
from domain.rules import DistrictRules, Settings, count_forward


class LimitationCheck(BaseModel):
    """LDMA Art 27: one year from when the worker knew; wages during employment run from its end."""

    runs_from: date | None  # None: not running (wages while still employed)
    expires: date | None  # the last day, rolled past rest days (CPL Art 85, 民法典 Art 203)
    expired: bool
    urgent: bool  # fewer days left than legal_aid.urgent (LAL Art 44 lets aid start before the decision)
    provisional: bool = False  # the last day was counted past the holiday data


def limitation(intake: CaseIntake, today: date, settings: Settings) -> LimitationCheck:
    """The rule arb.limitation counted like any period: a last day on a rest day moves to the next
    working day, so a worker applying then is still in time."""
    only_wages = intake.claim_types <= {ClaimType.WAGES, ClaimType.OVERTIME}
    if only_wages and intake.employment_end is None:
        return LimitationCheck(runs_from=None, expires=None, expired=False, urgent=False)
    start = intake.learned_of_infringement
    if only_wages and intake.employment_end:
        start = max(start, intake.employment_end)
    rule, urgent = settings.rule("arb.limitation"), settings.rule("legal_aid.urgent")
    end = count_forward(settings.calendar, rule.unit, start, rule.length)
    return LimitationCheck(
        runs_from=start,
        expires=end.day,
        expired=today > end.day,
        urgent=today <= end.day < today + timedelta(days=urgent.length),
        provisional=end.provisional,
    )


def legal_aid_eligible(claimant: Claimant, claim_types: set[ClaimType]) -> bool:
    """Migrant workers claiming wages or work-injury damages skip the means test (LAL Art 42);
    others need economic hardship (LAL Art 31). A staff override, with its reason, wins."""
    if claimant.eligibility_override is not None:
        return claimant.eligibility_override.eligible
    if claimant.migrant_worker and claim_types & WAGE_LIKE_CLAIMS:
        return True
    return claimant.economic_hardship


def needs_referral(claimant: Claimant, claim_types: set[ClaimType]) -> bool:
    """Plan 三(二): eligible, no agent, and the worker consents."""
    return (
        legal_aid_eligible(claimant, claim_types)
        and not claimant.has_agent
        and claimant.consents_to_legal_aid
    )


def intake_flags(intake: CaseIntake, thresholds: DistrictRules) -> set[CaseFlag]:
    flags: set[CaseFlag] = set()
    workers = intake.workers_in_dispute
    if workers >= thresholds.group_workers:
        flags.add(CaseFlag.GROUP)
    if intake.amount_claimed >= thresholds.major_amount or workers >= thresholds.major_workers:
        flags.add(CaseFlag.MAJOR)
    return flags
