"""One language per output: with --lang en a case's facts are English, from the same lines the case
writes in Chinese (user-typed text such as names and reasons is shown as typed)."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from domain.rules import settings
from registry.store import Registry
from starters.cli import app
from tests.helpers import award, close_after_failed_mediation, filed, one_time_notice, settle, start, until

CJK = re.compile(r"[\u3400-\u9fff\uff08\uff09\uff1a\uff1b\u3001]")
CITATION = re.compile(r"Plan [一二三四五六七八九十]+\([一二三四五六七八九十]+\)")  # a legal source's own name


async def test_case_show_in_english_says_every_fact_in_english(env: WorkflowEnvironment, workers: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    number = await filed(env, workers, claims=[{"type": "wages", "amount": "20000.00"},
                                               {"type": "compensation", "amount": "30000.00"},
                                               {"type": "hours_rest_leave"}, {"type": "contract"}])
    await one_time_notice(env, number)
    await award(env, number, served_to=["worker", "employer"],
                items=[{"type": "wages", "amount": "20000.00"}, {"type": "compensation", "amount": "30000.00"},
                       {"type": "hours_rest_leave"}, {"type": "contract"}])
    await settle(env.client, number)  # the in-process workers' log lines would mix into the CLI's stdout
    monkeypatch.setenv("TEMPORAL_ADDRESS", env.client.service_client.config.target_host)
    monkeypatch.setenv("COLUMNS", "300")
    view = json.loads((await asyncio.to_thread(CliRunner().invoke, app, ["case", "show", number, "--json"])).stdout)
    assert len(view["facts_en"]) == len(view["facts"]) >= 6
    shown = await asyncio.to_thread(CliRunner().invoke, app, ["case", "show", number, "--lang", "en"])
    assert shown.exit_code == 0, shown.output
    facts = [line for line in shown.stdout.splitlines() if line.startswith("- ")]
    assert {f"- {fact}" for fact in view["facts_en"]} <= set(facts)
    assert [f for f in facts if CJK.search(CITATION.sub("", f))] == []
    assert any("award: final: wages ¥20,000.00" in f for f in facts)
    assert any("above ¥24,000.00, not final (LDMA Art 50)" in f for f in facts)
    chinese = await asyncio.to_thread(CliRunner().invoke, app, ["case", "show", number])
    assert all(f"- {fact}" in chinese.stdout for fact in view["facts"])


async def cli(*args: str) -> str:
    done = await asyncio.to_thread(CliRunner().invoke, app, list(args))
    assert done.exit_code == 0, done.output
    return done.stdout


async def test_case_log_in_english_says_each_entry_in_english(env: WorkflowEnvironment, workers: str,
                                                              registry: Registry,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Every entry a case writes carries its English detail (clock entries with the rule's English
    title and due moment, filled in by the activity); `case log` shows Chinese by default."""
    number = await filed(env, workers)
    await one_time_notice(env, number)
    await award(env, number, served_to=["worker", "employer"], items=[{"type": "wages", "amount": "18000.00"}])
    await settle(env.client, number)
    monkeypatch.setenv("TEMPORAL_ADDRESS", env.client.service_client.config.target_host)
    monkeypatch.setenv("WEIQUAN_DATABASE_URL", registry.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("COLUMNS", "400")  # whole cells, one line each
    rows = json.loads(await cli("case", "log", number, "--json"))
    assert len(rows) >= 8 and all(r["detail_en"] for r in rows)
    assert [r["detail_en"] for r in rows if CJK.search(CITATION.sub("", r["detail_en"]))] == []
    rule = settings().rule("arb.award")
    started = next(r for r in rows if r["kind"] == "clock.started" and rule.title in r["detail"])
    assert started["detail_en"].startswith(f"{rule.title_en}: started, due ")
    english, chinese = await cli("case", "log", number, "--lang", "en"), await cli("case", "log", number)
    assert started["detail_en"] in english and started["detail_en"] not in chinese
    assert started["detail"] in chinese and started["detail"] not in english


async def test_case_show_in_english_says_a_track_status_in_english(env: WorkflowEnvironment, workers: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    number = await start(env.client, workers, channel="inspection", consent=False)
    view = await until(env.client, number, lambda v: v.tracks.get("inspection", "").startswith("投诉待受理"),
                       "a complaint to accept")
    await settle(env.client, number)
    assert view.tracks_en.keys() == view.tracks.keys()
    monkeypatch.setenv("TEMPORAL_ADDRESS", env.client.service_client.config.target_host)
    english, chinese = await cli("case", "show", number, "--lang", "en"), await cli("case", "show", number)
    tracks = next(line for line in english.splitlines() if line.startswith("Tracks: "))
    assert tracks == f"Tracks: labour inspection: {view.tracks_en['inspection']}"
    assert "a complaint: to accept and open, or refuse in writing, by " in tracks and not CJK.search(tracks)
    assert f"并行：劳动保障监察：{view.tracks['inspection']}" in chinese




def calls_without_english(method: str, english_at: int) -> dict[str, int]:
    """Calls of ``.method(...)`` in workflows/ with fewer positional arguments than the one that
    carries the English (a starred argument may carry it)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    found: dict[str, int] = {}
    for path in sorted((root / "workflows").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == method
                    and len(node.args) <= english_at and not any(isinstance(a, ast.Starred) for a in node.args)):
                name = f"{path.relative_to(root).as_posix()}:{node.lineno}"
                found[name] = found.get(name, 0) + 1
    return found


def test_every_fact_is_written_with_its_english() -> None:
    assert calls_without_english("fact", 1) == {}, "facts written without their English"


@pytest.mark.parametrize("method", ["record", "change", "log_event"])
def test_every_log_entry_is_written_with_its_english(method: str) -> None:
    """record(kind, detail, en), and the same for change() and log_event(): `case log --lang en`."""
    assert calls_without_english(method, 2) == {}, "event-log entries written without their English"


async def test_a_closed_case_says_its_outcome_in_english(env: WorkflowEnvironment, workers: str, registry: Registry,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    number = await start(env.client, workers, consent=False)
    await until(env.client, number, lambda v: v.stage == "mediation", "in mediation")
    await close_after_failed_mediation(env.client, number)
    await env.client.get_workflow_handle(number).result()
    monkeypatch.setenv("TEMPORAL_ADDRESS", env.client.service_client.config.target_host)
    monkeypatch.setenv("WEIQUAN_DATABASE_URL", registry.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("COLUMNS", "400")
    outcome = "the worker does not apply for arbitration: 劳动者决定不申请仲裁"  # the reason as typed
    assert f"Outcome: {outcome}" in await cli("case", "show", number, "--lang", "en")
    closed = [r for r in json.loads(await cli("case", "log", number, "--json")) if r["kind"] == "case.closed"]
    assert [r["detail_en"] for r in closed] == [f"case closed: {outcome}"]
