"""`weiquan case start-group`: one case per worker of a group dispute, tied by the group's id; the
lead case carries the group's flags; any bad row refuses the whole list before connecting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain import eligibility
from domain.models import CaseFlag
from domain.rules import Settings
from starters.cli import app
from starters.group import MAX_BYTES, group_intakes, read_rows
from tests import factories
from tests.helpers import TODAY

pytestmark = pytest.mark.clock  # rerun at shifted start dates by tests/run.sh

TEMPLATE = Path(__file__).resolve().parents[1] / "examples" / "group-intake.json"


def csv_of(tmp_path: Path, rows: int, extra: str = "") -> Path:
    source = factories.shared_file("group-case-1000.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "group.csv"
    path.write_text("\n".join(source[:rows + 1]) + "\n" + extra, encoding="utf-8")
    return path


def test_one_case_per_worker_and_the_lead_speaks_for_the_group(tmp_path: Path, settings: Settings) -> None:
    intakes, problems = group_intakes(json.loads(TEMPLATE.read_text(encoding="utf-8")),
                                      read_rows(csv_of(tmp_path, 40)), TODAY, consent=True)
    assert problems == [] and len({i.case_number() for i in intakes}) == 40
    assert {i.group.id for i in intakes if i.group} == {intakes[0].group.id}  # type: ignore[union-attr]
    flags = [eligibility.intake_flags(i, settings.district(i.district)) for i in intakes]
    assert flags[0] == {CaseFlag.GROUP, CaseFlag.MAJOR} and not any(flags[1:])  # escalated once
    assert intakes[5].claims[0].amount is not None  # each worker's own amount


def test_a_bad_row_refuses_the_whole_list_before_connecting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:9")
    bad = csv_of(tmp_path, 3, "张三,360321198908274470,1380000,True,1,-5\n")
    result = CliRunner().invoke(app, ["case", "start-group", "--csv", str(bad), "--intake", str(TEMPLATE)])
    assert result.exit_code == 2, result.output
    for text in ("第5行 劳动者第1项身份证号", "第5行 劳动者第1项手机号", "第5行 仲裁/投诉请求第1项金额", "未立任何案件"):
        assert text in result.output.replace("\n", "")


@pytest.mark.parametrize("extra, says", [
    ("冯红,360321198908274471,16399008265,True,1,6000.00,多出的字段\n", "第5行比表头多出 1 个字段"),
    ("冯红,360321198908274471\n", "第5行比表头少了字段"),
])
def test_a_row_with_more_or_fewer_fields_than_the_header_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str, says: str) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:9")
    bad = csv_of(tmp_path, 3, extra)
    result = CliRunner().invoke(app, ["case", "start-group", "--csv", str(bad), "--intake", str(TEMPLATE)])
    assert result.exit_code == 2, result.output
    assert says in result.output and "未立任何案件" in result.output and "Traceback" not in result.output


def test_unknown_columns_and_oversized_lists_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:9")
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(csv_of(tmp_path, 2).read_text(encoding="utf-8").replace("wages_owed", "wage_owed", 1),
                       encoding="utf-8")
    result = CliRunner().invoke(app, ["case", "start-group", "--csv", str(renamed), "--intake", str(TEMPLATE)])
    assert result.exit_code == 2 and "未知的列：wage_owed" in result.output
    huge = tmp_path / "huge.csv"
    huge.write_text("name,id_number\n" + "x" * (MAX_BYTES + 1), encoding="utf-8")
    result = CliRunner().invoke(app, ["case", "start-group", "--csv", str(huge), "--intake", str(TEMPLATE)])
    assert result.exit_code == 2 and "名单文件过大" in result.output
