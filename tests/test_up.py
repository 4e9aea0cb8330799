"""`weiquan up` is secure by default: on first start it makes the home's payload key (mode 0600),
seals every payload with it, and the Temporal server's database never holds the demo case's ID
numbers or phones in clear."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_up(tmp_path: Path) -> tuple[Path, dict[str, str], list[str]]:
    """A first start's home, environment (no keys or server of the test session) and free ports
    for the server, the UI and the codec server."""
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "WEIQUAN_CODEC"))}
    env.update(WEIQUAN_HOME=str(home), WEIQUAN_DATABASE_URL=f"sqlite:///{home}/registry.db")
    env.pop("WEIQUAN_UI_CODEC_ENDPOINT", None)
    return home, env, [str(free_port()) for _ in range(3)]


def test_up_makes_a_key_and_seals_the_demo_case(tmp_path: Path) -> None:
    home, env, ports = fresh_up(tmp_path)
    done = subprocess.run([sys.executable, "-m", "starters.cli", "up", "--port", ports[0], "--ui-port", ports[1],
                           "--codec-port", ports[2], "--exit-after", "8"], cwd=ROOT, env=env,
                          capture_output=True, timeout=180, check=False)
    out = done.stdout.decode()
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    key = home / "codec-keys"
    assert "示例案件" in out and str(key) in out
    # The links supervisors open: the demo case and the saved views, on this start's UI port.
    number = next(line.split(": ")[1] for line in out.splitlines() if line.startswith("示例案件"))
    assert f"Web UI: http://localhost:{ports[1]}/namespaces/default/workflows/{number}" in out
    assert "已逾期: " in out and f"http://localhost:{ports[1]}/namespaces/default/workflows?query=" in out
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    intake = json.loads((ROOT / "examples" / "intake.json").read_text(encoding="utf-8"))
    stored = b"".join(p.read_bytes() for p in home.glob("temporal.db*"))
    assert stored, "the server kept no database"
    for claimant in intake["claimants"]:
        assert claimant["id_number"].encode() not in stored and claimant["phone"].encode() not in stored
    # Every unit's signing key, private half 0600, public half pinned: what `up` says it made.
    assert "单位签名密钥" in out and str(home / "keys") in out and str(home / "unit-keys.json") in out
    units = json.loads((home / "unit-keys.json").read_text(encoding="utf-8"))["units"]
    assert set(units) == {"inspection", "arbitration", "union", "legal_aid", "window", "court"}
    for unit in units:
        assert stat.S_IMODE((home / "keys" / f"{unit}.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "keys").stat().st_mode) == 0o700


def test_the_staff_cli_signs_and_the_demo_case_takes_its_event(tmp_path: Path) -> None:
    """End to end under `weiquan up` (signatures on): `weiquan case event` signs with legal aid's
    development key, and the demo case takes the decision."""
    home, env, ports = fresh_up(tmp_path)
    up = subprocess.Popen([sys.executable, "-m", "starters.cli", "up", "--port", ports[0], "--ui-port", ports[1],
                           "--codec-port", ports[2], "--exit-after", "90"], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        number = ""
        assert up.stdout is not None
        for line in up.stdout:
            number = line.split("demo case:", 1)[1].split()[0] if "demo case:" in line else number
            if "运行中" in line:
                break
        assert number, "no demo case"
        sent = subprocess.run([sys.executable, "-m", "starters.cli", "case", "event", number, "legal_aid_decision",
                               "--file", str(ROOT / "examples" / "events" / "legal_aid_decision.json"), "--lang", "en"],
                              cwd=ROOT, env={**env, "TEMPORAL_ADDRESS": f"localhost:{ports[0]}"},
                              capture_output=True, text=True, timeout=120, check=False)
        assert sent.returncode == 0, sent.stdout + sent.stderr
    finally:
        up.terminate()
        up.wait(timeout=60)
