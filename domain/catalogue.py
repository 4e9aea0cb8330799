"""The events a case and a meeting take, as their senders need to know them: each event's name,
payload model, the units that may send it, its title and the stage it belongs to.

The workflows declare every event where they handle it (``@case_event`` on each stage's method,
with the rule for when it fits), and stay the one source of it. ``catalogue.json`` is generated
from those declarations by ``python -m starters.contract --write`` and checked by
tests/test_contract.py, so the CLI reads the catalogue without importing any workflow code.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, Protocol

from domain.events.base import CaseEvent
from domain.i18n import AGENCY
from domain.models import Agency, Stage

FILE = Path(__file__).with_name("catalogue.json")
Kind = Literal["case", "meeting"]


class Declared(Protocol):
    """What an event's declaration says, whether read here or from the workflow's own handler."""

    @property
    def name(self) -> str: ...
    @property
    def model(self) -> type[CaseEvent]: ...
    @property
    def actors(self) -> frozenset[Agency]: ...
    @property
    def title(self) -> tuple[str, str]: ...


def wrong_sender(spec: Declared, unit: object) -> tuple[str, str] | None:
    """Why ``unit`` (as sent, before any other check) may not send this event, in Chinese and
    English; None when it may, or when it is no unit at all (the schema then says so). The case's
    first check (``wrong_actor``), and the CLI's on a file before sending it."""
    try:
        sender = Agency(unit)  # type: ignore[arg-type]
    except ValueError:
        return None
    if sender in spec.actors:
        return None
    allowed = sorted(spec.actors)
    here, there = AGENCY[sender.value]
    return (f"“{spec.title[0]}”只能由{'、'.join(AGENCY[a.value][0] for a in allowed)}发送，{here}不能发送",
            f"{spec.title[1]} may only be sent by {', '.join(AGENCY[a.value][1] for a in allowed)}, not {there}")


@dataclass(frozen=True)
class EventEntry:
    name: str
    model: type[CaseEvent]
    actors: frozenset[Agency]
    title: tuple[str, str]
    stage: Stage | None  # None: the case takes it at any stage (and every meeting event)


def entry_data(spec: Declared, stage: Stage | None) -> dict[str, Any]:
    """One event as catalogue.json keeps it. Payload models live in domain/events/, so naming one by
    its module never leads the reader into workflow code."""
    module = spec.model.__module__
    if module.split(".")[0] == "workflows":
        raise ValueError(f"{spec.name}: its payload model {spec.model.__qualname__} belongs in domain/events/, "
                         "not in workflow code")
    return {"name": spec.name, "model": f"{module}:{spec.model.__qualname__}",
            "actors": sorted(a.value for a in spec.actors), "title": list(spec.title),
            "stage": stage.value if stage else None}


def _entry(data: dict[str, Any]) -> EventEntry:
    module, name = data["model"].split(":")
    return EventEntry(name=data["name"], model=getattr(importlib.import_module(module), name),
                      actors=frozenset(Agency(a) for a in data["actors"]), title=tuple(data["title"]),  # type: ignore[arg-type]
                      stage=Stage(data["stage"]) if data["stage"] else None)


@cache
def events(kind: Kind = "case") -> dict[str, EventEntry]:
    """The events of a case (or a meeting), by name, in the order the workflow declares them."""
    return {d["name"]: _entry(d) for d in json.loads(FILE.read_text(encoding="utf-8"))[kind]}
