"""The one place where what went wrong outside the CLI (Temporal, the registry database, a worker
that does not answer, the event gateway) becomes a sentence and an exit code: 2 bad input or an
unknown or closed case, 4 a part of the system unreachable. Anything not recognised here is a bug and shows as one."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from domain.identity import is_meeting_id
from starters.output import BAD_INPUT

UNREACHABLE = 4


def answer_wait() -> float:
    """How long the CLI waits for a case's worker to answer an event (WEIQUAN_ANSWER_WAIT, seconds)."""
    try:
        return max(1.0, float(os.environ.get("WEIQUAN_ANSWER_WAIT", "30")))
    except ValueError:
        return 30.0


@dataclass(frozen=True)
class Failure:
    zh: str
    en: str
    code: int


NO_SERVER = Failure("无法连接 Temporal 服务：请先运行 weiquan server（或 weiquan up），或检查 TEMPORAL_ADDRESS",
                    "cannot reach the Temporal server: run `weiquan server` (or `weiquan up`), or check "
                    "TEMPORAL_ADDRESS", UNREACHABLE)


class NoAnswer(Exception):
    """No worker answered within answer_wait(). ``sent``: the event is with the server and may
    still apply; else the case did not answer before it (no worker runs it) and it was not sent."""

    def __init__(self, case: str, seconds: float, *, sent: bool = True) -> None:
        super().__init__(case)
        self.case, self.seconds, self.sent = case, seconds, sent


class NotSent(Exception):
    """The server could not be reached before the event was handed to it: nothing was sent."""


class ServerLost(Exception):
    """The server went away after the event was handed to it: it may have applied, or still may."""

    def __init__(self, case: str) -> None:
        super().__init__(case)
        self.case = case


class CaseClosed(Exception):
    """The case (or meeting) exists and has closed: it takes no more events."""


class GatewaySettingsError(ValueError):
    """WEIQUAN_GATEWAY_* settings this CLI cannot use (starters/gateway_client.py)."""


class GatewayUnreachable(Exception):
    """The event gateway did not take the request: nothing was sent."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(reason)
        self.url, self.reason = url, reason


class GatewayAnswer(Exception):
    """The gateway answered for itself, not with the case's answer: 401 credential, 404 no such case
    or it has closed, 503 the server behind it, or something else in its way."""

    def __init__(self, status: int, zh: str, en: str) -> None:
        super().__init__(en)
        self.status, self.zh, self.en = status, zh, en


def unreachable(err: BaseException) -> bool:
    """Whether ``err`` says the Temporal server could not be reached."""
    return explain(err) is NO_SERVER


def explain(err: BaseException) -> Failure | None:
    """The sentence and exit code for ``err``; None for what is not recognised (a bug). The libraries'
    error types are looked up only once loaded: a command that never loaded one cannot have raised it
    (and a command need not load them to start)."""
    if isinstance(err, NotSent):
        return Failure(f"{NO_SERVER.zh}。事件未发送：服务恢复后再次发送即可",
                       f"{NO_SERVER.en}. The event was not sent: send it again once the server is back", UNREACHABLE)
    if isinstance(err, ServerLost):
        show = f"weiquan {'meeting' if is_meeting_id(err.case) else 'case'} show {err.case}"
        return Failure(
            f"发送事件后与 Temporal 服务失去联系：事件可能已经或仍将生效。服务恢复后用 {show} 查看，"
            "或再次发送同一文件（同一事件只生效一次）",
            f"lost the Temporal server after sending the event: it may have applied, or may still. Once the server "
            f"is back, check with `{show}` or send the same file again (an event applies "
            "once)", UNREACHABLE)
    if isinstance(err, NoAnswer):
        became = (("事件已交给 Temporal 服务，worker 恢复后仍可能生效。请检查 worker 是否运行；再次发送同一文件是安全的"
                   "（同一事件只生效一次）",
                   "the event is with the Temporal server and may still apply once a worker runs. Check the "
                   "workers; sending the same file again is safe (an event applies once)") if err.sent else
                  ("事件未发送。请检查 worker 是否运行，之后再次发送",
                   "the event was not sent. Check the workers, then send it again"))
        return Failure(f"{err.seconds:.0f} 秒内没有 worker 答复案件 {err.case}：{became[0]}",
                       f"no worker answered for case {err.case} within {err.seconds:.0f} s: {became[1]}", UNREACHABLE)
    if isinstance(err, CaseClosed):
        return Failure("该案件已结束，不再接收事件（weiquan case show 可查看结果）",
                       "the case has closed and takes no more events (weiquan case show has its outcome)", BAD_INPUT)
    if isinstance(err, GatewayUnreachable):
        return Failure(f"无法连接事件网关 {err.url}（{err.reason}）：请检查 WEIQUAN_GATEWAY_URL 与网络；事件未发送",
                       f"cannot reach the event gateway at {err.url} ({err.reason}): check WEIQUAN_GATEWAY_URL "
                       "and the network; the event was not sent", UNREACHABLE)
    if isinstance(err, GatewaySettingsError):
        return Failure(f"事件网关设置有误：{err}", f"bad event gateway settings: {err}", BAD_INPUT)
    if isinstance(err, GatewayAnswer):
        if err.status == 404:
            return Failure(f"事件网关：{err.zh}，请核对编号", f"the event gateway: {err.en}; check it", BAD_INPUT)
        hint = ("（请检查 WEIQUAN_GATEWAY_TOKEN 或客户端证书）", " (check WEIQUAN_GATEWAY_TOKEN or the client "
                "certificate)") if err.status == 401 else ("", "")
        return Failure(f"事件网关未受理（HTTP {err.status}）：{err.zh}{hint[0]}",
                       f"the event gateway did not take the event (HTTP {err.status}): {err.en}{hint[1]}", UNREACHABLE)
    service = sys.modules.get("temporalio.service")
    if service and isinstance(err, service.RPCError):
        code = service.RPCStatusCode
        if err.status == code.NOT_FOUND:
            return Failure("没有这个编号的案件或会商，请核对编号", "no case or meeting has this number; check it",
                           BAD_INPUT)
        if err.status in (code.UNAVAILABLE, code.DEADLINE_EXCEEDED, code.CANCELLED):
            return NO_SERVER
        if err.status in (code.UNAUTHENTICATED, code.PERMISSION_DENIED):
            return Failure("Temporal 服务拒绝了本客户端的身份：请检查证书或 API 密钥（docs/security.md）",
                           "the Temporal server refused this client's identity: check its certificate or API key "
                           "(docs/security.md)", UNREACHABLE)
    if isinstance(err, ConnectionError | TimeoutError) or (isinstance(err, RuntimeError)
                                                          and "connect" in str(err).lower()):
        return NO_SERVER
    codec = sys.modules.get("workers.codec")
    if codec and isinstance(err, codec.CodecConfigError):
        return Failure(f"加密密钥配置有误：{err}", f"bad payload-encryption keys: {err}", BAD_INPUT)
    database = sys.modules.get("sqlalchemy.exc")
    if database and isinstance(err, database.OperationalError | database.DBAPIError):
        return Failure("无法访问登记库数据库：请检查 WEIQUAN_DATABASE_URL 和数据库服务",
                       "cannot reach the registry database: check WEIQUAN_DATABASE_URL and the database server",
                       UNREACHABLE)
    return None
