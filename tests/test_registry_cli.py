"""What the CLI and reports read from the registry, on SQLite and on the real PostgreSQL: case list
and filters, event log, deadlines and case state without Temporal, the outbox, the liaison
directory; and the case row keeps the latest snapshot when writes commit out of order."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from domain.models import Agency, CaseIntake, Notice
from domain.records import CaseChange, CaseOpening, CaseSnapshot, LedgerEntry, WorkOrder
from registry.store import Registry
from starters.cli import app
from tests import factories
from tests.helpers import TODAY

runner = CliRunner()


@pytest.fixture
def cli_registry(any_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Registry:
    monkeypatch.setenv("WEIQUAN_DATABASE_URL", any_registry.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:9")  # the CLI falls back to the registry
    return any_registry


def snapshot(stage: str, version: int, **extra: object) -> CaseSnapshot:
    return CaseSnapshot(stage=stage, agency=Agency.UNION, waiting_for=stage, version=version, **extra)  # type: ignore[arg-type]


def open_case(reg: Registry) -> str:
    intake = CaseIntake.from_input(factories.intake(), TODAY)
    number, now = intake.case_number(), datetime.now(UTC)
    reg.register_case(CaseOpening(case_number=number, intake=intake, opened_at=now, snapshot=snapshot("intake", 1)))
    window = LedgerEntry(clock_key="mediation.window", rule_id="mediation.window", responsible="union",
                         started_at=now, due=now + timedelta(days=15), provisional=False, state="running")
    for i, (kind, stage, deadline) in enumerate([("case.opened", "intake", None),
                                                 ("clock.started", "mediation", window)], start=2):
        reg.record_change(CaseChange(case_number=number, key=f"seq:{i}", at=now, kind=kind, detail=f"{kind} 详情",
                                     snapshot=snapshot(stage, i), deadline=deadline))
    reg.queue_notice(Notice(case_number=number, unit=Agency.UNION, kind="legal_aid.decision", subject="结果",
                            body="正文", key="n1"))
    reg.open_work_item(WorkOrder(case_number=number, key="mediation:1", agency=Agency.UNION, kind="mediation",
                                 title="组织调解", at=now))
    return number


def invoke(*args: str) -> object:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "--json" in args else result.stdout


def test_cli_reads_cases_log_deadlines_and_outbox(cli_registry: Registry) -> None:
    number = open_case(cli_registry)
    listed = invoke("case", "list", "--stage", "mediation", "--agency", "union", "--json")
    assert [c["case_number"] for c in listed] == [number]  # type: ignore[union-attr]
    assert listed[0]["next_deadline"] and not listed[0]["overdue"]  # type: ignore[index]
    assert invoke("case", "list", "--overdue", "--json") == []
    person = factories.workers(1)[0]["id_number"]  # found by its keyed hash (registry/sealing.py)
    found = invoke("case", "list", "--person", person.lower(), "--json")
    assert [c["case_number"] for c in found] == [number]  # type: ignore[union-attr]
    assert [e["kind"] for e in invoke("case", "log", number, "--json")] == ["case.opened", "clock.started"]  # type: ignore[union-attr]
    deadlines = invoke("case", "deadlines", number, "--json")
    assert [(d["rule_id"], d["state"]) for d in deadlines] == [("mediation.window", "running")]  # type: ignore[union-attr]
    assert invoke("case", "show", number, "--json")["stage"] == "mediation"  # type: ignore[index]
    outbox = invoke("outbox", "--case", number, "--json")
    assert [(n["unit"], n["recipient"]) for n in outbox] == [("union", "示例联络员丙")]  # type: ignore[union-attr]
    assert "示例联络员丙" in str(invoke("outbox"))
    assert [w.agency for w in cli_registry.work_items(agency="union")] == ["union"]


def test_case_list_speaks_one_language(cli_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    """The waiting text as the case wrote it in both languages; a row written before the registry
    kept the English (waiting_for_en NULL) shows the Chinese until its case's next change."""
    monkeypatch.setenv("COLUMNS", "300")  # one table row a line
    number = open_case(cli_registry)
    both = CaseSnapshot(stage="mediation", agency=Agency.UNION, waiting_for="调解中：待组织调解",
                        waiting_for_en="mediation: waiting for the session", version=9)
    cli_registry.record_change(CaseChange(case_number=number, key="seq:9", at=datetime.now(UTC), kind="step",
                                          detail="—", snapshot=both))
    english = invoke("case", "list", "--lang", "en")
    assert "mediation: waiting for the session" in english and "调解中" not in english  # type: ignore[operator]
    assert "调解中：待组织调解" in invoke("case", "list")  # type: ignore[operator]
    assert invoke("case", "list", "--json")[0]["waiting_for_en"] == "mediation: waiting for the session"  # type: ignore[index]
    with cli_registry.engine.begin() as conn:  # as 0007 leaves a row it migrated
        conn.execute(text("UPDATE cases SET waiting_for_en = NULL WHERE case_number = :n"), {"n": number})
    assert "调解中：待组织调解" in invoke("case", "list", "--lang", "en")  # type: ignore[operator]


def test_cli_edits_the_liaison_directory(cli_registry: Registry) -> None:
    invoke("liaison", "set", "legal_aid", "--liaison-name", "新联络员", "--liaison-phone", "13800000000", "--by", "张科长")
    rows = {r["unit"]: r for r in invoke("liaison", "list", "--json")}  # type: ignore[union-attr]
    assert rows["legal_aid"]["liaison_name"] == "新联络员"
    history = invoke("liaison", "history", "legal_aid", "--json")
    assert {(h["field"], h["new"], h["by"]) for h in history[-2:]} == {  # type: ignore[index]
        ("liaison_name", "新联络员", "张科长"), ("liaison_phone", "13800000000", "张科长")}


def test_latest_snapshot_wins_whatever_the_commit_order(any_registry: Registry) -> None:
    number = open_case(any_registry)
    now = datetime.now(UTC)
    closed = snapshot("closed", 9, outcome="结案", closed_at=now)
    any_registry.record_change(CaseChange(case_number=number, key="seq:9", at=now, kind="case.closed",
                                          detail="结案", snapshot=closed))
    late = CaseChange(case_number=number, key="event:x", at=now, kind="event.mediation_failed", detail="调解不成",
                      snapshot=snapshot("mediation", 8))
    assert any_registry.record_change(late)  # the entry is logged …
    case = any_registry.case(number)
    assert case is not None and case.stage == "closed" and case.outcome == "结案"  # … its older snapshot ignored
    assert len(any_registry.events(number)) == 4


def test_the_log_and_the_deadlines_speak_one_language(cli_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries are titled, not coded; clock titles follow --lang, from the same rule table."""
    monkeypatch.setenv("COLUMNS", "300")  # whole cells, one line each
    number = open_case(cli_registry)
    zh, en = invoke("case", "log", number), invoke("case", "log", number, "--lang", "en")
    assert "期限开始计时" in zh and "受理案件" in zh  # type: ignore[operator]
    assert "deadline started" in en and "case opened" in en  # type: ignore[operator]
    deadlines = invoke("case", "deadlines", number, "--lang", "en")
    assert "No agreement within 15 days" in deadlines  # type: ignore[operator]


def test_the_log_says_an_entry_in_english_and_one_written_before_in_chinese(cli_registry: Registry,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    number = open_case(cli_registry)  # its entries were written without English, as before 0009
    cli_registry.record_change(CaseChange(case_number=number, key="seq:9", at=datetime.now(UTC), kind="case.closed",
                                          detail="结案：劳动者撤回", detail_en="case closed: the worker withdrew",
                                          snapshot=snapshot("closed", 9)))
    en, zh = invoke("case", "log", number, "--lang", "en"), invoke("case", "log", number)
    assert "case closed: the worker withdrew" in en and "结案：劳动者撤回" not in en  # type: ignore[operator]
    assert "结案：劳动者撤回" in zh and "case closed: the worker withdrew" not in zh  # type: ignore[operator]
    assert "case.opened 详情" in en  # type: ignore[operator]
    logged = invoke("case", "log", number, "--json")
    assert [e["detail_en"] for e in logged] == [None, None, "case closed: the worker withdrew"]  # type: ignore[union-attr]
