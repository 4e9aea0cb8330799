"""Bringing the whole system up on one machine: embedded server, database, every worker, a demo."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import structlog

from domain.calendar import SHANGHAI
from domain.models import CaseIntake
from domain.signing import ensure_dev_keys
from domain.signing.keys import key_dir, key_set_path
from domain.visibility import CASE_WORKFLOW
from registry.store import Registry
from starters.cases import open_case
from starters.codec_server import load_tokens
from starters.codec_server import serve as serve_codec
from starters.directory import seed_demo_directory
from starters.search_attributes import ensure_search_attributes
from starters.server import server_reachable, start_dev_server, wait_for_server
from workers.codec import EncryptionCodec, ensure_home_key, load_keyring, require_sealed
from workers.logs import configure_logging
from workers.run import run_workers, stop_event

DEMO_INTAKE = Path(__file__).resolve().parents[1] / "examples" / "intake.json"
log = structlog.get_logger()


async def serve(*, port: int, ui_port: int, db_file: Path) -> None:
    """`weiquan server`: run the dev server until stopped; search attributes ensured at start-up."""
    configure_logging()
    proc = start_dev_server(db_file, port=port, ui_port=ui_port)
    os.environ["TEMPORAL_ADDRESS"] = f"localhost:{port}"
    try:
        client = await wait_for_server(proc=proc)
        added = await ensure_search_attributes(client)
        log.info("temporal server ready", address=f"localhost:{port}", ui=f"http://localhost:{ui_port}",
                 db_file=str(db_file), search_attributes_added=added)
        stop = stop_event()
        while not stop.is_set() and proc.poll() is None:
            await asyncio.wait([asyncio.ensure_future(stop.wait())], timeout=1)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def view_links(ui: str, namespace: str = "default") -> list[tuple[str, str]]:
    """Ready links to the views supervisors use (the Web UI keeps saved views and list columns in
    each browser, not on the server, so they are printed here and in the README)."""
    soon = (datetime.now(SHANGHAI) + timedelta(days=3)).isoformat(timespec="seconds")
    running = f'ExecutionStatus="Running" AND WorkflowType="{CASE_WORKFLOW}"'
    views = [
        ("法律援助待审查", f'{running} AND CaseStage="legal_aid_review"'),
        ("调解中", f'{running} AND CaseStage="mediation"'),
        ("仲裁中", f'{running} AND CaseStage="arbitration"'),
        ("已逾期", f"{running} AND Overdue=true"),
        ("三日内到期", f'{running} AND NextDeadline < "{soon}"'),
        ("重大、群体、恶意欠薪案件", f'{running} AND CaseFlags IN ("major", "group", "malicious_arrears")'),
    ]
    return [(label, f"{ui}/namespaces/{namespace}/workflows?query={quote(query)}") for label, query in views]


async def bring_up(*, port: int, ui_port: int, codec_port: int, demo: bool, exit_after: float | None) -> None:
    """`weiquan up`: everything, then the demo case and the Web UI link; runs until Ctrl-C. Secure
    by default: payloads are sealed with the home's own key and every unit gets a signing key (both
    made on first start), and the Web UI reads payloads through a codec server on loopback."""
    configure_logging()
    data = Path(os.environ.get("WEIQUAN_HOME", ".weiquan"))
    made = ensure_home_key()
    units = ensure_dev_keys()  # None: WEIQUAN_SIGNING_KEYS names an operator's key set
    keyring = load_keyring()
    assert keyring is not None
    codec = await serve_codec(EncryptionCodec(keyring, sealed_only=require_sealed()), host="127.0.0.1",
                              port=codec_port, origins=[f"http://localhost:{ui_port}", f"http://127.0.0.1:{ui_port}"],
                              tokens=load_tokens())
    os.environ.setdefault("WEIQUAN_UI_CODEC_ENDPOINT", f"http://127.0.0.1:{codec_port}")
    if made:
        print(f"载荷密钥 / payload key: {made}（权限 0600；本目录启动的 worker 与 weiquan 命令都用它 / "
              "mode 0600, used by every worker and weiquan command started here）")
    if units:
        print(f"单位签名密钥 / units' signing keys: {', '.join(u.value for u in units)} → {key_dir()}/<unit>.key"
              f"（私钥，权限 0600 / private, mode 0600），公钥 / public keys {key_set_path()}；"
              "事件须经签名，案件才会接收 / cases take only signed events")
    registry = Registry()
    registry.upgrade()
    seed_demo_directory(registry)
    os.environ.setdefault("TEMPORAL_ADDRESS", f"localhost:{port}")
    proc = None
    if not await server_reachable():
        proc = start_dev_server(data / "temporal.db", port=port, ui_port=ui_port, log_file=data / "temporal.log")
    try:
        client = await wait_for_server(proc=proc)
        await ensure_search_attributes(client)
        stop = stop_event()
        workers = asyncio.create_task(run_workers(client, registry, stop=stop))
        if demo:
            intake = CaseIntake.from_input(json.loads(DEMO_INTAKE.read_text(encoding="utf-8")),
                                           datetime.now(SHANGHAI).date())
            number, opened = await open_case(client, intake)
            print(f"示例案件 / demo case: {number}{'' if opened else '（已存在 / already open）'}")
            print(f"Web UI: http://localhost:{ui_port}/namespaces/default/workflows/{number}"
                  "  （“User Metadata”页：摘要、受理信息、当前进展 / summary, intake, current details）")
        print("常用视图 / views:")
        for label, link in view_links(f"http://localhost:{ui_port}"):
            print(f"  {label}: {link}")
        # This UI keeps list columns in each browser (local storage), so they cannot be set from here.
        print("列表列：在列表右下角的列选择器中加入 CaseStage、ResponsibleAgency、NextDeadline、Overdue（每个浏览器一次）/ "
              "list columns: add them once per browser with the column chooser at the list's bottom right")
        print("运行中，Ctrl-C 退出 / running, Ctrl-C to stop", flush=True)
        if exit_after is not None:
            try:
                await asyncio.wait_for(stop.wait(), timeout=exit_after)
            except TimeoutError:
                stop.set()
        await workers
    finally:
        await codec.cleanup()
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
