"""One language per output: with --lang en a case's facts are English, from the same lines the case
writes in Chinese (user-typed text such as names and reasons is shown as typed)."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from starters.cli import app
from tests.helpers import award, filed, one_time_notice, settle

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




def test_every_fact_is_written_with_its_english() -> None:
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    found: dict[str, int] = {}
    for path in sorted((root / "workflows").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "fact"
                    and len(node.args) < 2 and not any(isinstance(a, ast.Starred) for a in node.args)):
                name = path.relative_to(root).as_posix()
                found[name] = found.get(name, 0) + 1
    assert found == {}, "facts written without their English"
