"""Filters take the codes and the names people say (调解, 工会, 红谷滩区) and refuse anything else,
listing what is valid: a filter that silently matches nothing looks like an empty caseload."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from starters.cli import app


@pytest.fixture(autouse=True)
def empty_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEIQUAN_DATABASE_URL", f"sqlite:///{tmp_path}/registry.db")


@pytest.mark.parametrize("args", [["--stage", "调解"], ["--stage", "mediation"], ["--stage", "Mediation"],
                                  ["--agency", "工会"], ["--agency", "union"], ["--agency", "trade union"],
                                  ["--district", "红谷滩区"], ["--district", "360113"]])
def test_codes_and_names_are_both_understood(args: list[str]) -> None:
    result = CliRunner().invoke(app, ["case", "list", "--json", *args])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("args, lists", [(["--stage", "bogus"], "mediation（调解）"),
                                         (["--agency", "工商"], "union（工会）"),
                                         (["--district", "999999"], "360113（红谷滩区）")])
def test_unknown_values_are_refused_with_the_valid_ones(args: list[str], lists: str) -> None:
    result = CliRunner().invoke(app, ["case", "list", *args])
    assert result.exit_code == 2 and "无效" in result.output and lists in result.output.replace("\n", "")


@pytest.mark.parametrize("unit", ["工会", "union", "trade union"])
def test_a_unit_argument_takes_its_code_or_its_name(unit: str) -> None:
    result = CliRunner().invoke(app, ["liaison", "history", unit, "--json"])
    assert result.exit_code == 0, result.output


def test_an_unknown_unit_is_refused_in_the_commands_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:9")  # refused before anything is reached
    result = CliRunner().invoke(app, ["meeting", "start", "--by", "工商", "--person", "张三", "--topic", "欠薪"])
    assert result.exit_code == 2 and "单位“工商”无效" in result.output and "union（工会）" in result.output
    result = CliRunner().invoke(app, ["liaison", "history", "nobody", "--lang", "en"])
    assert result.exit_code == 2 and "unknown unit 'nobody'" in result.output.replace("\n", "")
    assert "Invalid value" not in result.output  # not the argument parser's own English


def test_the_report_takes_a_district_by_name() -> None:
    result = CliRunner().invoke(app, ["report", "--from", "2026-03-01", "--to", "2026-03-31",
                                      "--district", "红谷滩区", "--json"])
    assert result.exit_code == 0, result.output
