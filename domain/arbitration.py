"""Arbitration's own rules as pure functions: which award items are final, and the one-time notice.

Final award (终局裁决, LDMA Art 47), decided per item (SPC-L1, formerly 解释(三) Art 13 ◐): a claim for
wages, work-injury medical costs, economic compensation or damages whose awarded amount is at most
12 × the district's monthly minimum wage (configuration, ``Settings.district``), or a dispute over
working hours, rest and leave or social insurance under national labour standards. Everything else
is non-final (LDMA Art 50).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

from domain.calendar import SHANGHAI
from domain.i18n import CLAIM, Lang, pick
from domain.models import Claim, ClaimType, Money, Strict, _error

Party = Literal["worker", "employer"]
Name = Annotated[str, Field(min_length=1, max_length=50)]
PARTY = {"worker": ("劳动者", "the worker"), "employer": ("用人单位", "the employer")}

MONEY_CLAIMS = frozenset({ClaimType.WAGES, ClaimType.OVERTIME, ClaimType.WORK_INJURY, ClaimType.COMPENSATION})
STANDARD_CLAIMS = frozenset({ClaimType.HOURS_REST_LEAVE, ClaimType.SOCIAL_INSURANCE})
# 先予执行 (LDMA Art 44) covers the same money claims as the final-award list.
ADVANCE_EXECUTION_CLAIMS = MONEY_CLAIMS
WAGE_CLAIMS = frozenset({ClaimType.WAGES, ClaimType.OVERTIME})  # 劳动报酬: priority, mediated first


def _shanghai(value: datetime) -> datetime:
    """A hearing time without a zone is Shanghai wall-clock time."""
    return value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value


LocalMoment = Annotated[datetime, AfterValidator(_shanghai)]


class Tribunal(Strict):
    """Sole arbitrator, or a chair and two arbitrators (LDMA Art 31)."""

    chair: Name
    members: list[Name] = Field(default_factory=list, max_length=2)

    @model_validator(mode="after")
    def _sole_or_three(self) -> Tribunal:
        if len(self.members) not in (0, 2):
            raise _error("tribunal_members")
        return self

    def describe(self) -> str:
        if not self.members:
            return f"本案由仲裁员{self.chair}独任审理"
        return f"本案由首席仲裁员{self.chair}，仲裁员{'、'.join(self.members)}组成仲裁庭"


class AwardItem(Strict):
    """One item of an award: the claim type and the amount awarded (none for non-money items)."""

    type: ClaimType
    amount: Money | None = None
    description: str | None = Field(default=None, max_length=200)

    def label(self, lang: Lang = "zh") -> str:
        money = f" ¥{self.amount:,.2f}" if self.amount is not None else ""
        return f"{pick(CLAIM[self.type.value], lang)}{money}"


class AwardLine(BaseModel):
    item: AwardItem
    final: bool
    basis: str  # why, in Chinese, with the article
    basis_en: str = ""  # the same in English (empty in awards classified before it was kept)


class AwardRequest(BaseModel):
    district: str
    items: list[AwardItem]


def classify(items: list[AwardItem], minimum_wage: Decimal) -> list[AwardLine]:
    ceiling = minimum_wage * 12
    lines = []
    for item in items:
        name, en = CLAIM[item.type.value][0], item.label("en")
        if item.type in STANDARD_CLAIMS:
            final, basis = True, f"{name}：执行国家劳动标准发生的争议，终局（LDMA Art 47(二)）"
            basis_en = f"{en}: a dispute over national labour standards, final (LDMA Art 47(2))"
        elif item.type in MONEY_CLAIMS and item.amount is not None and item.amount <= ceiling:
            final, basis = True, (f"{item.label()} 不超过当地月最低工资标准12个月金额 ¥{ceiling:,.2f}，"
                                  "终局（LDMA Art 47(一)）")
            basis_en = f"{en} within twelve months' local minimum wage ¥{ceiling:,.2f}, final (LDMA Art 47(1))"
        elif item.type in MONEY_CLAIMS and item.amount is not None:
            final, basis = False, f"{item.label()} 超过 ¥{ceiling:,.2f}，非终局（LDMA Art 50）"
            basis_en = f"{en} above ¥{ceiling:,.2f}, not final (LDMA Art 50)"
        else:
            final, basis = False, f"{item.label()}：不属终局裁决事项，非终局（LDMA Art 50）"
            basis_en = f"{en}: not a matter for a final award, not final (LDMA Art 50)"
        lines.append(AwardLine(item=item, final=final, basis=basis, basis_en=basis_en))
    return lines


# ---- the one-time notice (一次性告知书) [Plan 三(五)] ---------------------------------------------


class NoticeDraft(BaseModel):
    """What the workflow knows for the notice; parties and periods are filled in by the activity."""

    case_number: str
    key: str  # file name stem, unique per case
    issued_at: datetime
    filed_at: datetime
    claims: list[Claim]
    tribunal: Tribunal
    evidence_until: date
    hearing_at: datetime
    hearing_place: str
    priority: list[str] = []
    representatives: list[str] = []


class DocumentRef(BaseModel):
    """A document kept with the case: its path under the documents root, and its digest."""

    ref: str
    sha256: str
    title: str


def _day(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(SHANGHAI).date()
    return f"{value.year}年{value.month:02d}月{value.day:02d}日"


def render_one_time_notice(draft: NoticeDraft, *, commission: str, claimants: list[str], employer: str,
                           defence_period: str, postpone_days: int) -> str:
    hearing = draft.hearing_at.astimezone(SHANGHAI)
    reps = f"；代表人：{'、'.join(draft.representatives)}" if draft.representatives else ""
    claims = "；".join(AwardItem(type=c.type, amount=c.amount).label() for c in draft.claims)
    items = [
        f"一、仲裁庭组成：{draft.tribunal.describe()}。当事人认为仲裁员有法定回避情形的，应当在开庭前提出"
        "回避申请（LDMA Art 33）。",
        f"二、答辩期间：被申请人应当自收到仲裁申请书副本之日起{defence_period}内提交答辩书；被申请人未提交"
        "答辩书的，不影响仲裁程序的进行（LDMA Art 30）。",
        f"三、举证期限：双方当事人应当于{_day(draft.evidence_until)}前向本委提交证据。与争议事项有关的证据属于"
        "用人单位掌握管理的，用人单位应当提供（LDMA Art 6）；劳动者因客观原因不能自行收集的证据，可以申请本委"
        "调查取证。",
        f"四、开庭时间和地点：本案定于{_day(hearing)} {hearing:%H:%M} 在{draft.hearing_place}开庭审理。当事人有"
        f"正当理由的，可以在开庭{postpone_days}日前请求延期开庭，是否延期由本委决定（LDMA Art 35）。申请人无正当"
        "理由拒不到庭或者未经仲裁庭同意中途退庭的，可以视为撤回仲裁申请；被申请人无正当理由拒不到庭或者未经"
        "仲裁庭同意中途退庭的，可以缺席裁决（LDMA Art 36）。",
    ]
    if draft.priority:
        items.append(f"五、本案优先处理：{'；'.join(draft.priority)}。")
    return "\n".join([
        commission,
        "劳动人事争议仲裁一次性告知书",
        "",
        f"案号：{draft.case_number}",
        f"申请人：{'、'.join(claimants)}（共{len(claimants)}人{reps}）",
        f"被申请人：{employer}",
        f"仲裁请求：{claims}",
        "",
        f"本委于{_day(draft.filed_at)}受理上述申请人与被申请人劳动争议一案。"
        "现将本案有关事项一次性告知如下：",
        "",
        *items,
        "",
        f"{commission}",
        _day(draft.issued_at),
        "",
    ])
