"""Confirming a mediation agreement: the parties' consent, the joint application, the decisions."""

from __future__ import annotations

from typing import Literal

from domain.arbitration import Party
from domain.events.base import CaseEvent, Decision, Mailed

Route = Literal["judicial", "arbitral"]  # 司法确认 (court) | 仲裁审查确认 (arbitration)


class ConfirmationConsent(CaseEvent):
    """One party agrees to apply jointly for confirmation by this route; both parties must."""

    route: Route
    party: Party


class ConfirmationFiled(CaseEvent, Mailed):
    """The joint application was handed in: to the court (court + union desk) or to arbitration;
    one posted within the window is in time though it arrives later (CPL Art 85)."""

    route: Route


class JudicialAcceptance(Decision):
    """The court accepts the application for judicial confirmation, or refuses it with a reason."""

    verdict = "accepted"
    accepted: bool


class JudicialRuling(Decision):
    """The court rules the agreement valid, or dismisses the application with a reason (CPL Art 206)."""

    verdict = "valid"
    valid: bool


class ArbitralReview(Decision):
    """Arbitration confirms the agreement (and makes a mediation statement), or refuses with a reason."""

    verdict = "confirmed"
    confirmed: bool
