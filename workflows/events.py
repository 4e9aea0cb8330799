"""How a case takes events: each stage declares its events; one desk checks and applies them.

Every event reaches a case (or a meeting) as a signal named for the event, its payload one JSON
object; the case files its answer (receipt or refusal) under the event's answer key, which the
sender reads with the ``answer`` query (domain/events/answers.py says why signals, not updates).
An event is refused (nothing changes but its answer; the worker logs the reason with the unit and
person it claims) in this order: its name is unknown (``unknown_event``), it is not one JSON
object (``payload``), its actor's unit may not send it (``wrong_actor``: checked on the raw JSON
before the schema, so a unit learns nothing of another unit's events), it carries no valid
signature of that unit (``unauthenticated``: domain/signing says what is signed; checked on the
raw JSON against the units' public keys the case loaded, ``EventDesk.load_keys``), its payload
breaks the schema (``invalid_payload``), its event id was used before for another event or other content
(``conflict``), or it does not fit the case's stage now (``not_now``). The same event (id, name and
content) twice is applied once; the second send reads the first answer. A service or mailing day
(``served_on``, ``mailed_on``) in the future or before the case was opened is refused with
``not_now``, for every event that carries one. A signal's handler only records it; the desk's own
coroutine (``EventDesk.serve``, beside the workflow's main flow) takes the events one at a time in
the order the server received them, each checked against the case as the ones before it left it,
so every command an event causes comes in a deterministic order.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from temporalio import workflow
from temporalio.common import RawValue

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from activities.signing import SenderPolicy, load_sender_policy
    from domain.events.answers import ANSWER_QUERY, EventAnswer, answer_key, digest_of
    from domain.catalogue import wrong_sender
    from domain.events.base import CaseEvent, EventReceipt, EventRefusal, date_problem, dates_said
    from domain.i18n import explain
    from domain.models import Agency
    from domain.signing import verify
    from workers.codec import UNSEALED

if TYPE_CHECKING:
    from workflows.runtime import CaseRuntime

Said = tuple[str, str]  # (中文, English)
T = TypeVar("T")


class Refusal(Exception):
    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(zh)
        self.code, self.zh, self.en = code, zh, en

    def to_model(self) -> EventRefusal:
        return EventRefusal(code=self.code, zh=self.zh, en=self.en)  # type: ignore[arg-type]


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


def actor_refusal(spec: EventSpec, unit: object) -> Refusal | None:
    """``wrong_actor`` when ``unit`` may not send this event (domain.catalogue.wrong_sender)."""
    return Refusal("wrong_actor", *why) if (why := wrong_sender(spec, unit)) else None


class EventDesk:
    KEPT_REFUSALS = 200  # the most recent refusals kept for their senders to read (a flood stays bounded)

    def __init__(self, case: CaseRuntime, stages: Sequence[object]) -> None:
        self.case = case
        self.routes: dict[str, tuple[EventSpec, object]] = {}
        for stage in stages:
            for spec in specs_of(type(stage)):
                assert spec.name not in self.routes, f"event {spec.name} declared twice"
                self.routes[spec.name] = (spec, stage)
        self.answers: OrderedDict[str, EventAnswer] = OrderedDict()  # answer key → the case's answer
        self.used: dict[str, tuple[str, str]] = {}  # event id → (event name, content digest) of its first use
        self.senders: SenderPolicy | None = None  # the units' keys events are checked against (load_keys)
        self.inbox: deque[Callable[[], Awaitable[None]]] = deque()  # what signals brought, not yet taken
        self.busy = False

    async def beside(self, body: Coroutine[Any, Any, T]) -> T:
        """Run the workflow's main flow with the desk serving beside it. An error in the desk fails
        the workflow task at once (as an error in a handler would): events never pile up unseen."""
        main, desk = asyncio.create_task(body), asyncio.create_task(self.serve())
        await workflow.wait([main, desk], return_when=asyncio.FIRST_COMPLETED)
        if desk.done():  # serve never returns: only an error ends it
            desk.result()
        desk.cancel()
        return main.result()

    async def serve(self) -> None:
        self.inbox.appendleft(self.load_keys)  # first of all: every event is checked against loaded keys
        while True:
            await workflow.wait_condition(lambda: bool(self.inbox))
            await settled()
            self.busy = True
            await self.inbox.popleft()()
            self.busy = False

    def idle(self) -> bool:
        """Nothing brought by a signal is waiting or being taken (a closing flow waits for this)."""
        return not self.inbox and not self.busy

    async def load_keys(self) -> None:
        """Load the units' pinned public keys (configuration, so an activity): first thing the desk
        does (beside the workflow's first steps), and again in its turn when told they were revised.
        Between loads the set is fixed in the workflow's state, so every check replays as it ran."""
        self.senders = await workflow.execute_activity(load_sender_policy, **self.case.activity_options,
                                                       summary="载入各单位签名公钥")

    def _decode(self, name: str, args: Sequence[RawValue], raw: Any) -> tuple[EventSpec, object, CaseEvent, str]:
        route = self.routes.get(name)
        if route is None:
            raise Refusal("unknown_event", f"未知事件“{name}”", f"unknown event {name!r}")
        spec, stage = route
        if len(args) != 1:
            raise Refusal("payload", "事件需要且只需要一个 JSON 对象", "an event takes exactly one JSON object")
        claimed = raw.get("actor") if isinstance(raw, dict) else None
        if isinstance(claimed, dict) and (refusal := actor_refusal(spec, claimed.get("unit"))):
            raise refusal
        self._authenticate(name, raw)
        if args[0].payload.metadata.get("encoding") == UNSEALED:
            raise Refusal("invalid_payload", "事件未加密：本系统只接受加密的事件（经编解码服务或持有密钥的客户端发送）",
                          "the event was not encrypted: send it through the codec server or a client that holds the keys")
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
        return spec, stage, event, digest_of(raw)

    def _authenticate(self, name: str, raw: Any) -> None:
        assert self.senders is not None  # the desk loads them before the first event
        if not self.senders.enforce:
            return
        problem = verify(raw, workflow_id=workflow.info().workflow_id, event=name, keys=self.senders.keys)
        if problem is not None:
            raise Refusal("unauthenticated", f"发送单位未经验证：{problem.zh}", f"the sender is not verified: {problem.en}")

    def fitting(self) -> list[str]:
        """The events the case would take now, as far as its state decides: a check that needs the
        event's own content to decide (it reads a field) counts as fitting."""
        names = []
        for name, (spec, stage) in self.routes.items():
            try:
                if spec.when(stage, None) is None:
                    names.append(name)
            except (AttributeError, TypeError, KeyError):
                names.append(name)
        return sorted(names)

    async def take(self, name: str, args: Sequence[RawValue]) -> None:
        """One event, as the signal brought it: refuse it (its answer says why), answer a repeat
        with the first answer, or apply it."""
        raw = _raw(args[0]) if len(args) == 1 else None
        key = answer_key(name, raw)
        tries = (self.answers[key].tries if key in self.answers else 0) + 1
        try:
            spec, stage, event, digest = self._decode(name, args, raw)
            if self._repeat(name, event, digest):
                assert key is not None  # a decoded event has an id
                self.answers[key] = self.answers[key].model_copy(update={"tries": tries})
                return
            self._fits_now(spec, stage, event)
        except Refusal as refusal:
            self._refused(name, raw, key, tries, refusal)
            return
        assert key is not None
        self.used[event.event_id] = (name, digest)
        self.answers[key] = EventAnswer(key=key, status="applying", tries=tries)
        receipt = await self._apply(spec, stage, event)
        self.answers[key] = EventAnswer(key=key, status="applied", tries=self.answers[key].tries, receipt=receipt)

    def answer(self, key: str) -> EventAnswer | None:
        """By the full answer key; or by "event/event id" alone (a script without a SHA-256 at hand):
        the latest answer filed for that event and id."""
        if key in self.answers or "~" in key:
            return self.answers.get(key)
        return next((a for k, a in reversed(self.answers.items()) if k.split("~", 1)[0] == key), None)

    def _refused(self, name: str, raw: Any, key: str | None, tries: int, refusal: Refusal) -> None:
        log = workflow.logger.warning if refusal.code in ("wrong_actor", "unauthenticated") else workflow.logger.info
        log("event %s refused (%s): id %s sent by %s: %s", name, refusal.code, _raw_id(raw), _claimed(raw) or "?",
            refusal.en)
        if key is None:
            return
        kept = self.answers.get(key)
        if refusal.code == "unauthenticated" and kept is not None and kept.status != "refused":
            # The key leaves the proof out, so a forged copy of an applied event shares its key: it
            # must not replace the answer its real sender reads. It counts as a try of that answer.
            self.answers[key] = kept.model_copy(update={"tries": tries})
            return
        self.answers.pop(key, None)  # kept in order of the last try
        self.answers[key] = EventAnswer(key=key, status="refused", tries=tries, refusal=refusal.to_model())
        refused = [k for k, a in self.answers.items() if a.status == "refused"]
        for old in refused[:max(0, len(refused) - self.KEPT_REFUSALS)]:
            del self.answers[old]

    def _repeat(self, name: str, event: CaseEvent, digest: str) -> bool:
        """True for the same event again; ``conflict`` when its id was used for something else."""
        first = self.used.get(event.event_id)
        if first is None:
            return False
        if first != (name, digest):
            other = first[0] != name
            raise Refusal("conflict",
                          f"事件编号 {event.event_id} 已用于{'另一事件' if other else '不同的内容'}（{first[0]}），"
                          "本事件未生效：新的事实请用新的编号",
                          f"event id {event.event_id} was used for {'another event' if other else 'other content'} "
                          f"({first[0]}); this one was not applied: use a new id for a new fact")
        return True

    def _fits_now(self, spec: EventSpec, stage: object, event: CaseEvent) -> None:
        why = date_problem(event, self.case.opened_at, workflow.now()) or spec.when(stage, event)
        if why is not None:
            raise Refusal("not_now", f"当前不能{spec.title[0]}：{why[0]}", f"cannot {spec.title[1]} now: {why[1]}")

    async def _apply(self, spec: EventSpec, stage: object, event: CaseEvent) -> EventReceipt:
        zh, en = await getattr(stage, spec.method)(event)
        dated, dated_en = dates_said(event, workflow.now())  # staff see both days when they differ
        if dated:
            zh, en = zh + dated, en + dated_en
            self.case.fact(f"{spec.title[0]}{dated}", f"{spec.title[1]}{dated_en}")
        await self.case.log_event(f"event.{spec.name}", zh, en, actor=event.actor, key=f"event:{event.event_id}")
        return EventReceipt(event_id=event.event_id, event=spec.name, stage=self.case.stage.value,
                            message=zh, message_en=en)


async def settled() -> None:
    """Return once nothing else in the workflow can run in this activation: every other coroutine
    waits on an activity, a timer, a message or a condition that is false. The desk takes an event
    only then, so its commands come after those of everything else the same workflow task brought.
    A worker that has just started may get a task's results in one activation and its signal in a
    later one, while a replay gets them together (docs/proof.md, "Open"); taken last, the event
    writes the same commands both ways. Needs the case workers' one batch per activation
    (workers.build.one_batch_per_activation): by default the SDK runs signals to rest before it
    even applies the results.

    The workflow's event loop holds what is ready to run (``_ready``, as in asyncio's own loops);
    conditions are checked in turn once it is empty, and a condition that comes true puts its waiter
    there. So a check that finds it empty, and a wake-up that finds nothing woken beside it, mean
    this is the last coroutine that can run."""
    loop: Any = asyncio.get_running_loop()
    while True:
        await workflow.wait_condition(lambda: not loop._ready)
        if not loop._ready:
            return


def _raw(arg: RawValue) -> Any:
    """The payload as plain JSON (None when it is not JSON at all); an unsealed one refused by the
    codec keeps its JSON for the refusal's key and the log."""
    if arg.payload.metadata.get("encoding") not in (b"json/plain", UNSEALED):
        return None
    try:
        return json.loads(arg.payload.data)
    except ValueError:
        return None


def _claimed(raw: Any) -> str:
    """'unit (person)' as the event claims them, for the log of a refusal ('' when it names none)."""
    actor = raw.get("actor") if isinstance(raw, dict) else None
    if not isinstance(actor, dict):
        return ""
    return f"{str(actor.get('unit', ''))[:20]} ({str(actor.get('person', ''))[:50]})"


def _raw_id(raw: Any) -> str:
    return str(raw.get("event_id", "?"))[:128] if isinstance(raw, dict) else "?"


class TakesEvents:
    """How a case or a meeting takes events: a dynamic signal per event (fire, then read the answer
    by its key with the ``answer`` query). No update handler: see domain/events/answers.py."""

    events: EventDesk

    @workflow.signal(dynamic=True)
    def event_signal(self, name: str, args: Sequence[RawValue]) -> None:
        self.events.inbox.append(lambda: self.events.take(name, args))  # recorded; the desk takes it

    @workflow.query(name=ANSWER_QUERY)
    def answer(self, key: str) -> EventAnswer | None:
        """The case's answer to the event filed under ``key`` (domain/events/answers.answer_key);
        None while the case has not taken it."""
        return self.events.answer(key)

    @workflow.query
    def events_now(self) -> list[str]:
        """The names of the events that fit now (those whose fit depends on their content included)."""
        return self.events.fitting()

    @workflow.signal(name="unit_keys_revised")
    def unit_keys_revised(self) -> None:
        """The units' public keys changed in configuration (`weiquan keys reload`): load them again, in
        the desk's turn; carries no authority, no keys."""
        self.events.inbox.append(self.events.load_keys)

    @workflow.signal(name="calendar_revised")
    def calendar_revised(self, revision: int) -> None:
        """A holiday-calendar revision was loaded (`weiquan calendar load`); carries no authority, no data."""
        # Not an agency's event: the clocks read the calendar itself in an activity, in the desk's turn.
        self.events.inbox.append(lambda: self.events.case.clocks.calendar_revised(revision))
