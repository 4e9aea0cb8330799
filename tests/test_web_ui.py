"""The Temporal Web UI as a supervisor reads it, in headless Chromium (with CJK fonts): a case's page
shows its summary, intake details and current details in Chinese, and the list finds cases by the
stage and deadline links `weiquan up` prints.

The list is read with the columns a supervisor adds once with the UI's column chooser (this UI
version keeps them in the browser's local storage, not on the server: LIST_COLUMNS).

`WEIQUAN_UPDATE_DOCS=1 pytest tests/test_web_ui.py` refreshes docs/screenshots/webui-case.png and
docs/screenshots/webui-list.png (the README's screenshots)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from domain.rules import Settings
from registry.store import Registry
from starters.search_attributes import ensure_search_attributes
from starters.up import view_links
from tests.conftest import running_workers
from tests.helpers import at_stage, start
from workers.binaries import binary
from workers.connect import data_converter

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
# What the column chooser stores (key and shape as in Web UI 2.x's workflow-table-columns store).
LIST_COLUMNS = {"default": [{"label": label} for label in (
    "Status", "Workflow ID", "CaseStage", "ResponsibleAgency", "NextDeadline", "Overdue", "WorkerCount")]}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
pytestmark = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                reason="chromium is not installed (tests/run.sh installs it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def ui_env() -> AsyncIterator[tuple[WorkflowEnvironment, int]]:
    port = free_port()
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"), data_converter=data_converter(), ui=True, ui_port=port,
        dev_server_log_level="error",
    ) as env:
        await ensure_search_attributes(env.client)
        yield env, port


async def rendered(page: Any, text: str, seconds: float = 30) -> str:
    """The page's text, frames included (the UI renders a workflow's markdown in sandboxed frames),
    once ``text`` shows."""
    shown = ""
    for _ in range(int(seconds * 4)):
        parts = []
        for frame in page.frames:
            try:
                parts.append(await frame.inner_text("body"))
            except Exception:  # a frame that went away while the page updates
                continue
        shown = "\n".join(parts)
        if text in shown:
            return shown
        await asyncio.sleep(0.25)
    raise AssertionError(f"{text!r} never showed; the page read: {shown[-1500:]}")


async def test_a_case_page_and_the_list_as_a_supervisor_reads_them(
        ui_env: tuple[WorkflowEnvironment, int], registry: Registry, settings: Settings, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    assert CHROMIUM, "chromium is not installed: tests/run.sh installs it in CI"
    env, port = ui_env
    async with running_workers(env.client, registry, settings) as prefix:
        number = await start(env.client, prefix)
        await at_stage(env.client, number, "legal_aid_review")
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = await browser.new_page(viewport={"width": 1400, "height": 1000}, timezone_id="Asia/Shanghai",
                                          locale="zh-CN")  # as a supervisor in Nanchang reads the times
            await page.add_init_script(
                f"window.localStorage.setItem('namespace-workflow-table-columns', {json.dumps(json.dumps(LIST_COLUMNS))})")
            await page.goto(f"http://127.0.0.1:{port}/namespaces/default/workflows/{number}")
            await page.get_by_text("User Metadata").click()
            shown = await rendered(page, "等待：法律援助机构当日审查转介申请并作出决定")
            await page.screenshot(path=tmp_path / "case.png")
            assert "阶段：法律援助审查（法律援助）" in shown and "受理渠道：工会" in shown, shown[-1500:]

            stage_view = dict(view_links(f"http://127.0.0.1:{port}"))["法律援助待审查"]
            await page.goto(stage_view)
            listed = await rendered(page, number)
            await page.screenshot(path=tmp_path / "list.png")
            assert "CaseStage" in listed and "NextDeadline" in listed and "legal_aid_review" in listed, listed[-1500:]
            await browser.close()
    for name in ("case", "list"):
        shot = (tmp_path / f"{name}.png").read_bytes()
        assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 50_000
        if os.environ.get("WEIQUAN_UPDATE_DOCS"):
            (SCREENSHOTS / f"webui-{name}.png").write_bytes(shot)
