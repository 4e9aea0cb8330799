"""What people typed is shown as they typed it: Rich markup in stored text (a meeting topic, a
reason) is never interpreted, so `[/x]` neither crashes a listing nor styles it."""

from __future__ import annotations

import pytest
import typer

from starters.output import Out

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
