"""How a case takes events: each stage declares its events; one desk validates and applies them.

An event is refused (the update validator raises, nothing changes; the reason is logged) when its
name is unknown, its payload is invalid, its actor's unit may not send it, or it does not fit the
case's stage now. The same event id twice is applied once, whether it came as an update or a
signal; the second call gets the first answer. Several updates can be validated before any of them
runs, so each is checked against the stage once more when it is applied: handlers change their
stage's state before their first await, and a stale event is refused then.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.common import RawValue
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from domain.events.base import CaseEvent, EventReceipt, EventRefusal
    from domain.i18n import AGENCY, explain
    from domain.models import Agency

if TYPE_CHECKING:
    from workflows.runtime import CaseRuntime

Said = tuple[str, str]  # (中文, English)


class Refusal(Exception):
    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(zh)
        self.code, self.zh, self.en = code, zh, en

    def to_error(self) -> ApplicationError:
        details = EventRefusal(code=self.code, zh=self.zh, en=self.en).model_dump()  # type: ignore[arg-type]
        return ApplicationError(f"{self.zh}（{self.en}）", details, type="EventRejected", non_retryable=True)


@dataclass(frozen=True)
class EventSpec:
    name: str
    model: type[CaseEvent]
    actors: frozenset[Agency]
    title: Said
    when: Callable[[Any, Any], Said | None]  # (stage, event) -> why not now, or None
    method: str


def case_event(
    name: str,
    model: type[CaseEvent],
    *,
    actors: set[Agency],
    title: Said,
    when: Callable[[Any, Any], Said | None],
) -> Callable[[Callable[..., Awaitable[Said]]], Callable[..., Awaitable[Said]]]:
    """Declare a stage method as the handler of event ``name``."""

    def mark(fn: Callable[..., Awaitable[Said]]) -> Callable[..., Awaitable[Said]]:
        fn.__case_event__ = EventSpec(name, model, frozenset(actors), title, when, fn.__name__)  # type: ignore[attr-defined]
        return fn

    return mark


def specs_of(cls: type) -> list[EventSpec]:
    return [spec for attr in vars(cls).values() if (spec := getattr(attr, "__case_event__", None))]


class EventDesk:
    def __init__(self, case: CaseRuntime, stages: Sequence[object]) -> None:
        self.case = case
        self.routes: dict[str, tuple[EventSpec, object]] = {}
        for stage in stages:
            for spec in specs_of(type(stage)):
                assert spec.name not in self.routes, f"event {spec.name} declared twice"
                self.routes[spec.name] = (spec, stage)
        self.receipts: dict[str, EventReceipt] = {}
        self.in_flight: set[str] = set()

    def _decode(self, name: str, args: Sequence[RawValue]) -> tuple[EventSpec, object, CaseEvent]:
        route = self.routes.get(name)
        if route is None:
            raise Refusal("unknown_event", f"未知事件“{name}”", f"unknown event {name!r}")
        spec, stage = route
        if len(args) != 1:
            raise Refusal("payload", "事件需要且只需要一个 JSON 对象", "an event takes exactly one JSON object")
        try:
            event = workflow.payload_converter().from_payload(args[0].payload, spec.model)
        except ValidationError as err:
            zh = "；".join(f"{e['label']}：{e['message']}" for e in explain(err, "zh"))
            en = "; ".join(f"{e['label']}: {e['message']}" for e in explain(err, "en"))
            raise Refusal("invalid_payload", zh, en) from None
        except Exception as err:  # not JSON, wrong encoding
            raise Refusal("invalid_payload", f"无法解析事件内容：{err}", f"cannot decode the event: {err}") from None
        if not isinstance(event, spec.model):  # JSON null decodes to None without complaint
            raise Refusal("invalid_payload", "事件内容应为 JSON 对象", "the event must be a JSON object")
        return spec, stage, event

    def check(self, name: str, args: Sequence[RawValue]) -> None:
        """The update validator and the signal's gate: refuse without changing anything, and log why.
        The actor comes first, so a repeated id never lets a unit past another unit's step."""
        try:
            spec, stage, event = self._decode(name, args)
        except Refusal as refusal:
            workflow.logger.info("event %s refused (%s): %s", name, refusal.code, refusal.en)
            raise
        if event.actor.unit not in spec.actors:
            allowed = sorted(spec.actors)
            workflow.logger.warning("event %s refused (wrong_actor): id %s sent by %s (%s); only %s may send it",
                                    name, event.event_id, event.actor.unit.value, event.actor.person,
                                    ", ".join(a.value for a in allowed))
            sender = AGENCY[event.actor.unit.value]
            raise Refusal("wrong_actor",
                          f"“{spec.title[0]}”只能由{'、'.join(AGENCY[a.value][0] for a in allowed)}发送，"
                          f"{sender[0]}不能发送",
                          f"{spec.title[1]} may only be sent by {', '.join(AGENCY[a.value][1] for a in allowed)}, "
                          f"not {sender[1]}")
        if event.event_id in self.receipts or event.event_id in self.in_flight:
            return  # a repeat: answered with the first result
        self._fits_now(name, spec, stage, event)

    @staticmethod
    def _fits_now(name: str, spec: EventSpec, stage: object, event: CaseEvent) -> None:
        why = spec.when(stage, event)
        if why is not None:
            workflow.logger.info("event %s refused (not_now): id %s: %s", name, event.event_id, why[1])
            raise Refusal("not_now", f"当前不能{spec.title[0]}：{why[0]}", f"cannot {spec.title[1]} now: {why[1]}")

    async def apply(self, name: str, args: Sequence[RawValue]) -> EventReceipt:
        spec, stage, event = self._decode(name, args)
        if event.event_id in self.in_flight:
            await workflow.wait_condition(lambda: event.event_id not in self.in_flight)
        if event.event_id in self.receipts:
            return self.receipts[event.event_id]
        self._fits_now(name, spec, stage, event)
        self.in_flight.add(event.event_id)
        try:
            zh, en = await getattr(stage, spec.method)(event)
        finally:
            self.in_flight.discard(event.event_id)
        receipt = EventReceipt(event_id=event.event_id, event=name, stage=self.case.stage.value,
                               message=zh, message_en=en)
        self.receipts[event.event_id] = receipt
        await self.case.log_event(f"event.{name}", zh, actor=event.actor, key=f"event:{event.event_id}")
        return receipt

    async def apply_signal(self, name: str, args: Sequence[RawValue]) -> None:
        """Signals have no validator: a bad one is logged and recorded, and never harms the case."""
        try:
            self.check(name, args)
            await self.apply(name, args)
        except Refusal as refusal:
            await self.case.record("event.refused", f"拒收信号 {name}：{refusal.zh}",
                                   key=f"refused:{self.case.next_seq()}")


class TakesEvents:
    """How a case or a meeting takes events: a validated dynamic update (the sender gets an answer or
    the reason it was refused) and a dynamic signal (fire and forget; a bad one is recorded as refused)."""

    events: EventDesk

    @workflow.update(dynamic=True)
    async def event(self, name: str, args: Sequence[RawValue]) -> EventReceipt:
        try:
            return await self.events.apply(name, args)
        except Refusal as refusal:
            raise refusal.to_error() from None

    @event.validator
    def check_event(self, name: str, args: Sequence[RawValue]) -> None:
        try:
            self.events.check(name, args)
        except Refusal as refusal:
            raise refusal.to_error() from None

    @workflow.signal(dynamic=True)
    async def event_signal(self, name: str, args: Sequence[RawValue]) -> None:
        await self.events.apply_signal(name, args)

    @workflow.signal(name="calendar_revised")
    async def calendar_revised(self, revision: int) -> None:
        """A holiday-calendar revision was loaded (`weiquan calendar load`); carries no authority, no data."""
        # Not an agency's event: the clocks read the calendar itself in an activity.
        await self.events.case.clocks.calendar_revised(revision)
