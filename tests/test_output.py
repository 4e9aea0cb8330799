"""What people typed is shown as they typed it: Rich markup in stored text (a meeting topic, a
reason) is never interpreted, so `[/x]` neither crashes a listing nor styles it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import typer
from typer.testing import CliRunner

from domain.meetings import MeetingKind, MeetingSnapshot, MeetingStatus
from domain.models import Agency
from registry.store import Registry
from starters.cli import app
from starters.output import Out, why

TYPED = ["[/x]", "[red]不是红色[/red]", "[link=http://evil.example]点此[/link]"]


def test_table_cells_titles_and_columns_are_shown_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    Out().table("会商 [/x]", ["议题 [b]"], [[t] for t in TYPED])
    shown = capsys.readouterr().out
    assert "会商 [/x]" in shown and "议题 [b]" in shown
    for text in TYPED:
        assert text in shown


def test_errors_and_notes_are_shown_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    o = Out()
    o.note("理由：[/x]", "reason: [/x]")
    with pytest.raises(typer.Exit):
        o.fail("拒收：[red]x[/red]", "refused", problems=[{"label": "议题 [/b]", "message": "[/x] 太短"}])
    err = capsys.readouterr().err
    assert "理由：[/x]" in err and "拒收：[red]x[/red]" in err and "议题 [/b]：[/x] 太短" in err


def test_meeting_list_shows_a_topic_of_markup_as_written(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command of the finding: a meeting whose topic is `[/x]` used to crash `weiquan meeting list`."""
    monkeypatch.setenv("WEIQUAN_DATABASE_URL", registry.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("COLUMNS", "200")
    registry.save_meeting(MeetingSnapshot(
        meeting_id="MTG-20261202-ABCDEF", version=1, convened_by=Agency.UNION, topic="[/x]", kind=MeetingKind.RISK,
        status=MeetingStatus.CONVENED, cases=[], invitees=[], confirmed=[], opened_at=datetime.now(UTC)))
    listed = CliRunner().invoke(app, ["meeting", "list"])
    assert listed.exit_code == 0, listed.output
    assert "[/x]" in listed.stdout and "MTG-20261202-ABCDEF" in listed.stdout


def test_clocks_of_one_rule_are_told_apart_by_title() -> None:
    """Two clocks of one rule (a window per party, a duty that came again) never read as the same
    line twice in `case deadlines`."""
    from domain.models import DeadlineView
    from starters.output import clock_title

    def clock(key: str, rule: str) -> DeadlineView:
        now = datetime(2026, 12, 1, tzinfo=UTC)
        return DeadlineView(key=key, rule_id=rule, title="标题", source="LDMA Art 50", responsible=None,
                            started_at=now, due=now, state="running")

    keys = [("arb.nonfinal.sue:worker", "arb.nonfinal.sue"), ("arb.nonfinal.sue:employer", "arb.nonfinal.sue"),
            ("arb.hearing_notice", "arb.hearing_notice"), ("arb.hearing_notice#2", "arb.hearing_notice"),
            ("inspect.evidence:1", "inspect.evidence"), ("inspect.evidence:2", "inspect.evidence")]
    for lang in ("zh", "en"):
        titles = [clock_title(Out(lang), clock(key, rule)) for key, rule in keys]  # type: ignore[arg-type]
        assert len(set(titles)) == len(titles), titles
    english = [clock_title(Out("en"), clock(key, rule)) for key, rule in keys]
    assert english[0].endswith("(the worker)") and english[3].endswith("(time 2)") and "标题" not in english[0]
    assert clock_title(Out(), clock(*keys[1])) == "标题（用人单位）"


def test_a_csv_error_is_said_in_each_language_of_its_own() -> None:
    with pytest.raises(csv.Error) as err:
        list(csv.reader(io.StringIO('name\n"unclosed'), strict=True))
    zh, en = why(err.value, "无法读取名单 a.csv", "cannot read a.csv")
    assert zh == "无法读取名单 a.csv：CSV 格式有误（文件在引号内结束）"  # no English inside the Chinese
    assert en == "cannot read a.csv: bad CSV: unexpected end of data"
    assert why(csv.Error("a reason not known yet"), "读", "read")[0] == "读：CSV 格式有误"
