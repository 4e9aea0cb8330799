"""The staff CLI: bad input refused with exit 2 before anything starts; one case per intake."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from starters.cli import app
from tests import factories

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the CLI at a port where nothing listens: refusing input must not need a server."""
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:9")


def test_invalid_intake_is_refused_with_exit_2_naming_each_field(no_server: None) -> None:
    result = runner.invoke(app, ["case", "start", "--file", str(EXAMPLES / "intake-invalid.json")])
    assert result.exit_code == 2
    for text in ("身份证号：校验位不正确", "手机号：号码格式不正确", "统一社会信用代码：校验码不正确",
                 "金额：不能为负数", "入职日期：不能晚于今天"):
        assert text in result.output
    english = runner.invoke(app, ["case", "start", "--file", str(EXAMPLES / "intake-invalid.json"), "--lang", "en"])
    assert english.exit_code == 2 and "ID number: has a wrong check digit" in english.output


@pytest.mark.parametrize("content, message", [
    ("{not json", "不是有效的 JSON"),
    ('{"channel": "union"}', "必填，未填写"),
    ('{"channel": "court", "district": "999999"}', "不是南昌市的区县代码"),
])
def test_malformed_input_exit_2(tmp_path: Path, no_server: None, content: str, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["case", "start", "--file", str(bad)])
    assert result.exit_code == 2 and message in result.output


def test_missing_file_and_bad_event_payload(tmp_path: Path, no_server: None) -> None:
    missing = runner.invoke(app, ["case", "start", "--file", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "无法读取文件" in missing.output and "文件或目录不存在" in missing.output.replace("\n", "")
    assert "No such file" not in missing.output  # one language per output
    english = runner.invoke(app, ["case", "start", "--file", str(tmp_path / "nope.json"), "--lang", "en"])
    assert english.exit_code == 2 and "such file or directory" in english.output.replace("\n", "")
    payload = tmp_path / "ev.json"
    payload.write_text(json.dumps({"actor": {"unit": "legal_aid", "person": "x"}, "granted": False}))
    refused = runner.invoke(app, ["case", "event", "NC360113-X", "legal_aid_decision", "--file", str(payload)])
    assert refused.exit_code == 2 and "不予援助须说明理由" in refused.output
    unknown = runner.invoke(app, ["case", "event", "NC360113-X", "nonsense", "--file", str(payload)])
    assert unknown.exit_code == 2 and "未知事件" in unknown.output


def test_an_event_from_the_wrong_agency_is_refused_with_exit_3_before_connecting(tmp_path: Path,
                                                                               no_server: None) -> None:
    """The case would refuse it (wrong_actor, its first check): a refusal, not bad input."""
    payload = tmp_path / "ev.json"
    payload.write_text(json.dumps({"actor": {"unit": "union", "person": "x"}, "granted": True}))
    refused = runner.invoke(app, ["case", "event", "NC360113-X", "legal_aid_decision", "--file", str(payload)])
    assert refused.exit_code == 3 and "工会不能发送" in refused.output, refused.output


def test_calendar_commands() -> None:
    assert runner.invoke(app, ["calendar", "add", "--from", "2026-09-30", "--workdays", "5"]).stdout.strip() \
        == "2026-10-13"
    assert runner.invoke(app, ["calendar", "add", "--from", "2026-09-18", "--days", "15"]).stdout.strip() \
        == "2026-10-08"
    past = runner.invoke(app, ["calendar", "add", "--from", "2026-12-28", "--workdays", "5"])
    assert past.stdout.strip() == "2027-01-05（暂定）"  # 2027-01-01 rests by regulation
    assert runner.invoke(app, ["calendar", "is-workday", "2026-10-10"]).stdout.strip() == "工作日"  # 调休
    assert runner.invoke(app, ["calendar", "is-workday", "2026-10-05", "--lang", "en"]).stdout.strip() == "rest day"
    bad = runner.invoke(app, ["calendar", "add", "--from", "2026-13-01", "--days", "1"])
    assert bad.exit_code == 2


async def test_same_intake_twice_opens_one_case(env: WorkflowEnvironment, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", env.client.service_client.config.target_host)
    monkeypatch.setenv("WEIQUAN_DATABASE_URL", f"sqlite:///{tmp_path}/r.db")
    intake = tmp_path / "intake.json"
    intake.write_text(json.dumps(factories.intake(), ensure_ascii=False), encoding="utf-8")
    first = await asyncio.to_thread(runner.invoke, app, ["case", "start", "--file", str(intake)])
    second = await asyncio.to_thread(runner.invoke, app, ["case", "start", "--file", str(intake), "--json"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    number = first.stdout.strip().splitlines()[0]
    assert json.loads(second.stdout) == {"case_number": number, "opened": False}
    assert "新立案" in first.stderr
