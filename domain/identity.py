"""Check characters of Chinese identifiers, as pure functions.

Resident ID numbers follow GB 11643; unified social credit codes follow GB 32100.
"""

from __future__ import annotations

import re
from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# GB 32100 uses 31 characters: digits and capitals without I, O, S, V, Z.
_CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_RE = re.compile(r"^[1-9A-HJ-NP-RTUWXY][1-9][0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}$")

MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
LANDLINE_RE = re.compile(r"^(0[0-9]{2,3}-?)?[0-9]{7,8}$")


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_number_problem(value: str) -> str | None:
    """Return an error code for a resident ID number, or None when it is valid."""
    if len(value) != 18:
        return "id_length"
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return "id_chars"
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "id_birth"
    if id_check_char(value[:17]) != value[17]:
        return "id_check"
    return None


def credit_check_char(first17: str) -> str:
    total = sum(_CREDIT_CHARSET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARSET[(31 - total % 31) % 31]


def credit_code_problem(value: str) -> str | None:
    """Return an error code for a unified social credit code, or None when it is valid."""
    if len(value) != 18:
        return "credit_length"
    if not _CREDIT_RE.match(value):
        return "credit_chars"
    if credit_check_char(value[:17]) != value[17]:
        return "credit_check"
    return None


def mask_id(value: str) -> str:
    """An ID number as it may appear in logs and screens for non-owners."""
    return value[:3] + "*" * 11 + value[-4:] if len(value) == 18 else "***"


def mask_phone(value: str) -> str:
    return value[:3] + "****" + value[-4:] if len(value) >= 8 else "***"


# Workflow ids that name a case or a meeting (domain.models.CaseIntake.case_number,
# domain.meetings.MeetingRequest.meeting_id). Checked where an id enters, before any path is built
# from it: anyone who can reach the namespace may start a workflow with an id of their choosing.
CASE_NUMBER_RE = re.compile(r"^NC[0-9]{6}-[A-Z2-7]{8}$")
# Convened by staff (MTG-<day>-<digest>) or proposed by a major case (MTG-<case number>-<batch>).
MEETING_ID_RE = re.compile(r"^MTG-(?:[0-9]{8}-[A-Z2-7]{6}|NC[0-9]{6}-[A-Z2-7]{8}-[0-9]{1,4})$")


def is_case_number(value: str) -> bool:
    return CASE_NUMBER_RE.fullmatch(value) is not None


def is_meeting_id(value: str) -> bool:
    return MEETING_ID_RE.fullmatch(value) is not None
