"""The HTML report: self-contained (no script, no network), and it opens in headless Chromium.

`WEIQUAN_UPDATE_DOCS=1 pytest tests/test_report_html.py` refreshes docs/report-screenshot.png and
docs/report-example.html from the seeded month (tests/report_seed.py).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from domain.rules import Settings
from registry.reports import Report, load_report
from registry.store import Registry
from starters.report_html import render_html
from tests.report_seed import MONTH, MONTH_NOW, seed_month

DOCS = Path(__file__).resolve().parents[1] / "docs"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HEADLESS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]


@pytest.fixture
def month(registry: Registry, settings: Settings) -> Report:
    seed_month(registry)
    return load_report(registry, settings.rules, *MONTH, now=MONTH_NOW)


def test_html_is_self_contained_and_shows_the_figures(month: Report, settings: Settings) -> None:
    html = render_html(month, settings.rules)
    assert "<script" not in html and not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "url(" not in html and "@import" not in html
    assert html.count("<svg") >= 6
    assert f"{month.on_time.rate * 100:.1f}%" in html  # type: ignore[operator]
    assert all(o.scope in html for o in month.overdue)
    english = render_html(month, settings.rules, "en")
    assert "Overdue now" in english and 'lang="en"' in english


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                    reason="chromium is not installed (tests/run.sh installs it)")
def test_html_report_opens_in_headless_chromium(month: Report, settings: Settings, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(month, settings.rules), encoding="utf-8")
    shot = tmp_path / "report.png"
    done = subprocess.run([CHROMIUM, *HEADLESS, "--window-size=1280,2300", f"--screenshot={shot}", page.as_uri()],
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1280, 2300)
    assert len(data) > 100_000  # a blank or unstyled page compresses to far less
    if os.environ.get("WEIQUAN_UPDATE_DOCS"):
        DOCS.mkdir(exist_ok=True)
        shutil.copy(shot, DOCS / "report-screenshot.png")
        shutil.copy(page, DOCS / "report-example.html")


def test_an_empty_period_is_said_in_one_language(registry: Registry, settings: Settings) -> None:
    """Nothing to show is said in the page's language only (not "无 · none")."""
    empty = load_report(registry, settings.rules, *MONTH, now=MONTH_NOW)
    english, chinese = render_html(empty, settings.rules, "en"), render_html(empty, settings.rules)
    assert "none</p>" in english and "no data for the period" in english
    assert not re.search(r'class="empty">[^<]*[\u4e00-\u9fff]', english)
    assert '<p class="empty">无</p>' in chinese and not re.search(r'class="empty">[^<]*[a-z]', chinese)
