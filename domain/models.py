"""The case as one set of pydantic types, shared by the CLI, workflows, activities and JSON schema.

Errors raised here carry a stable code (``PydanticCustomError`` type) that ``domain.i18n`` turns
into a Chinese or English sentence naming the field.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from domain import identity
from domain.districts import DISTRICTS


class Agency(StrEnum):
    """The four linked agencies, the joint service window, and the court (an outside system)."""

    INSPECTION = "inspection"
    ARBITRATION = "arbitration"
    UNION = "union"
    LEGAL_AID = "legal_aid"
    WINDOW = "window"
    COURT = "court"


LINKED_UNITS = (Agency.INSPECTION, Agency.ARBITRATION, Agency.UNION, Agency.LEGAL_AID)


class ClaimType(StrEnum):
    WAGES = "wages"  # 劳动报酬
    OVERTIME = "overtime"
    COMPENSATION = "compensation"  # 经济补偿 / 赔偿金
    WORK_INJURY = "work_injury"
    SOCIAL_INSURANCE = "social_insurance"
    CONTRACT = "contract"
    HOURS_REST_LEAVE = "hours_rest_leave"
    OTHER = "other"


# Claims for which migrant workers skip the means test (LAL Art 42) and which a payment order
# or advance execution may cover.
WAGE_LIKE_CLAIMS = frozenset({ClaimType.WAGES, ClaimType.OVERTIME, ClaimType.WORK_INJURY})


class Stage(StrEnum):
    INTAKE = "intake"
    LEGAL_AID_REVIEW = "legal_aid_review"
    MEDIATION = "mediation"
    CONFIRMATION = "confirmation"
    INSPECTION = "inspection"
    ARBITRATION = "arbitration"
    LITIGATION = "litigation"
    CLOSED = "closed"


class CaseFlag(StrEnum):
    MALICIOUS_ARREARS = "malicious_arrears"  # 恶意欠薪
    GROUP = "group"  # 群体性, ≥ 10 workers
    MAJOR = "major"
    LIMITATION_RISK = "limitation_risk"
    MAY_APPLY_ARBITRATION = "may_apply_arbitration"
    LEGAL_AID_GRANTED = "legal_aid_granted"
    NOTIFY_ERROR = "notify_error"
    PRIORITY = "priority"  # arbitration's priority handling: wage claims, collective disputes [三(五)]


def _error(code: str, **ctx: Any) -> PydanticCustomError:
    # The message template is English; domain.i18n renders the code in the staff's language.
    return PydanticCustomError(code, code.replace("_", " "), ctx or None)


def _id_number(value: str) -> str:
    value = value.strip().upper()
    problem = identity.id_number_problem(value)
    if problem:
        raise _error(problem)
    return value


def _credit_code(value: str) -> str:
    value = value.strip().upper()
    problem = identity.credit_code_problem(value)
    if problem:
        raise _error(problem)
    return value


def _mobile(value: str) -> str:
    value = value.strip().replace(" ", "")
    if not identity.MOBILE_RE.match(value):
        raise _error("phone_format")
    return value


def _contact_phone(value: str) -> str:
    value = value.strip().replace(" ", "")
    if not (identity.MOBILE_RE.match(value) or identity.LANDLINE_RE.match(value)):
        raise _error("phone_format")
    return value


def _money(value: Decimal) -> Decimal:
    if value < 0:
        raise _error("amount_negative")
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise _error("amount_precision")
    return value.quantize(Decimal("0.01"))


def _not_future(value: date, info: ValidationInfo) -> date:
    # "today" comes from the caller's context: workflow code must not read the clock, so the
    # check runs where the input enters (CLI, client), not when a workflow decodes its input.
    today = (info.context or {}).get("today")
    if today is not None and value > today:
        raise _error("date_future", today=today.isoformat())
    return value


IdNumber = Annotated[str, AfterValidator(_id_number)]
CreditCode = Annotated[str, AfterValidator(_credit_code)]
MobilePhone = Annotated[str, AfterValidator(_mobile)]
ContactPhone = Annotated[str, AfterValidator(_contact_phone)]
Money = Annotated[Decimal, AfterValidator(_money)]
PastDate = Annotated[date, AfterValidator(_not_future)]
def _district(value: str) -> str:
    if value not in DISTRICTS:
        raise _error("district_unknown", known="、".join(f"{k} {v}" for k, v in DISTRICTS.items()))
    return value


DistrictCode = Annotated[str, AfterValidator(_district)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class EligibilityOverride(Strict):
    """Staff overriding the legal-aid eligibility test must say why."""

    eligible: bool
    reason: str = Field(min_length=2)


class Claimant(Strict):
    name: str = Field(min_length=1, max_length=50)
    id_number: IdNumber
    phone: MobilePhone
    migrant_worker: bool = False  # 进城务工人员
    has_agent: bool = False
    consents_to_legal_aid: bool = False
    economic_hardship: bool = False  # LAL Art 31 means test, declared at intake
    eligibility_override: EligibilityOverride | None = None


class Employer(Strict):
    name: str = Field(min_length=2, max_length=100)
    credit_code: CreditCode
    contact_name: str | None = None
    contact_phone: ContactPhone | None = None
    address: str | None = None


class Claim(Strict):
    type: ClaimType
    amount: Money | None = None
    period_start: PastDate | None = None
    period_end: PastDate | None = None

    @model_validator(mode="after")
    def _period_in_order(self) -> Claim:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise _error("period_order")
        return self


class GroupDispute(Strict):
    """A collective dispute opened as one case per worker (`weiquan case start-group`): the
    workers share this reference. The lead case (the list's first worker) speaks for the group:
    the group's size sets its group and major-case flags, so the group escalates once, not once
    per worker."""

    id: str = Field(min_length=1, max_length=40)
    size: int = Field(ge=1)
    lead: bool = False


class CaseIntake(Strict):
    """Everything staff record when a case is opened, by any agency or the joint window."""

    channel: Agency
    district: DistrictCode
    claimants: list[Claimant] = Field(min_length=1)
    employer: Employer
    claims: list[Claim] = Field(min_length=1)
    employment_start: PastDate
    employment_end: PastDate | None = None  # None: still employed
    learned_of_infringement: PastDate
    summary: str | None = Field(default=None, max_length=500)
    group: GroupDispute | None = None

    @field_validator("channel")
    @classmethod
    def _channel_opens_cases(cls, value: Agency) -> Agency:
        if value == Agency.COURT:
            raise _error("channel_court")
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> CaseIntake:
        if self.employment_end and self.employment_end < self.employment_start:
            raise _error("employment_order")
        ids = [c.id_number for c in self.claimants]
        if len(set(ids)) != len(ids):
            raise _error("claimant_duplicate")
        return self

    @property
    def amount_claimed(self) -> Decimal:
        return sum((c.amount or Decimal(0) for c in self.claims), Decimal(0))

    @property
    def workers_in_dispute(self) -> int:
        """The workers this case speaks for: a group's lead case, the whole group."""
        return self.group.size if self.group and self.group.lead else len(self.claimants)

    @property
    def claim_types(self) -> set[ClaimType]:
        return {c.type for c in self.claims}

    def case_number(self) -> str:
        """A stable case number: the same intake always yields the same number (one case)."""
        # Without a group the number is what it always was.
        canonical = self.model_dump_json(exclude={"summary"} | ({"group"} if self.group is None else set())).encode()
        digest = base64.b32encode(hashlib.sha256(canonical).digest()).decode()[:8]
        return f"NC{self.district}-{digest}"

    @classmethod
    def from_input(cls, data: Any, today: date) -> CaseIntake:
        """Validate raw input where it enters the system, including the no-future-dates rule."""
        return cls.model_validate(data, context={"today": today})


class Lawyer(Strict):
    name: str = Field(min_length=1)
    firm: str | None = None


class Actor(Strict):
    """Who sends an event: the acting unit and a person in it."""

    unit: Agency
    person: str = Field(min_length=1, max_length=50)


class Notice(Strict):
    """A message for a unit's liaison (and head, on escalation), resolved at send time.

    With ``party`` it goes instead from ``unit`` to the case's parties of that role (every claimant,
    or the employer), addressed from the registry's parties table at send time."""

    case_number: str
    unit: Agency
    kind: str
    subject: str
    body: str
    to_head: bool = False
    key: str  # idempotency key, unique per case
    party: Literal["claimant", "employer"] | None = None


class DeadlineView(Strict):
    key: str
    rule_id: str
    title: str
    source: str
    responsible: Agency | None
    started_at: datetime
    due: datetime
    provisional: bool = False
    state: str
    extended: bool = False
    note: str | None = None


class CaseView(BaseModel):
    """A case as the `state` query returns it: where it stands and what it waits for."""

    case_number: str
    stage: Stage
    agency: Agency | None
    waiting_for: str
    waiting_for_en: str
    flags: list[CaseFlag]
    tracks: dict[str, str]
    tracks_en: dict[str, str] = {}  # the same statuses in English ({} from a worker before it was added)
    facts: list[str]
    facts_en: list[str] = []  # the same facts in English, one for each
    deadlines: list[DeadlineView]
    outcome: str | None = None
    outcome_en: str | None = None  # None from a worker before it was added
    amount_claimed: Decimal
    amount_recovered: Decimal
    opened_at: datetime
    closed_at: datetime | None = None


class CaseOutcome(BaseModel):
    """What closure leaves behind, and what the workflow returns."""

    case_number: str
    outcome: str
    amount_recovered: Decimal
    days: int
    agencies: list[Agency]
    deadlines_met: int
    deadlines_missed: int
