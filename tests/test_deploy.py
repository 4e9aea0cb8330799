"""deploy/: the compose file validates with docker-compose, the Kubernetes manifests with
kubernetes-validate (strict), and both run one worker service per task queue with the drain
period longer than the workers' graceful shutdown."""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from workers.queues import ALL
from workers.settings import WorkerSettings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
NOT_RESOURCES = {"kustomization.yaml", "temporal-values.yaml"}
KUBERNETES = ("1.29.0", kubernetes_validate.utils.latest_version())  # oldest supported, newest
GRACE = WorkerSettings().graceful_shutdown_seconds


def compose_config(**env: str) -> dict[str, Any]:
    if not shutil.which("docker-compose"):
        pytest.skip("docker-compose is not installed (tests/run.sh installs it on Debian)")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WORKERS_", "WEIQUAN_", "TEMPORAL_"))}
    done = subprocess.run(["docker-compose", "-f", str(DEPLOY / "compose.yaml"), "config"],
                          env={**clean, **env}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def seconds(text: str) -> float:
    match = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", text)
    assert match, text
    return int(match[1] or 0) * 60 + int(match[2] or 0)


def test_compose_file_validates_with_a_worker_service_per_queue() -> None:
    services = compose_config()["services"]
    workers = {s["command"][-1]: s for s in services.values() if s.get("command", [None])[:2] == ["weiquan", "worker"]}
    assert sorted(workers) == sorted(ALL)
    for service in workers.values():
        assert service["deploy"]["replicas"] >= 1
        assert seconds(service["stop_grace_period"]) > GRACE
        assert service["environment"]["WEIQUAN_HEALTH_ADDRESS"].endswith(":8000")
        assert "readyz" in " ".join(service["healthcheck"]["test"])
        assert {"registry-migrate", "temporal-setup"} <= set(service["depends_on"])
    assert services["registry-migrate"]["command"] == ["weiquan", "db", "upgrade"]
    assert services["codec-server"]["command"] == ["weiquan", "codec-server", "--port", "8888"]
    assert services["temporal-ui"]["environment"]["TEMPORAL_CODEC_ENDPOINT"] == "http://localhost:8888"
    assert services["temporal"]["environment"]["DB"] == "postgres12"


def test_compose_replicas_come_from_the_environment() -> None:
    services = compose_config(WORKERS_UNION="3", WORKERS_CASE="4")["services"]
    assert services["worker-union"]["deploy"]["replicas"] == 3
    assert services["worker-case"]["deploy"]["replicas"] == 4


def manifests() -> list[tuple[str, dict[str, Any]]]:
    return [(path.name, doc) for path in sorted(K8S.glob("*.yaml")) if path.name not in NOT_RESOURCES
            for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


@pytest.mark.parametrize("version", KUBERNETES)
def test_kubernetes_manifests_pass_kubernetes_validate(version: str) -> None:
    checked = []
    for name, doc in manifests():
        if doc["kind"] == "ServiceMonitor":  # a Prometheus Operator CRD: no schema in kubernetes-validate
            with pytest.raises(kubernetes_validate.SchemaNotFoundError):
                kubernetes_validate.validate(doc, version, strict=True)
            continue
        kubernetes_validate.validate(doc, version, strict=True)
        checked.append((name, doc["kind"]))
    assert {kind for _, kind in checked} >= {"Namespace", "ConfigMap", "Secret", "Deployment", "Service"}


def test_strict_validation_catches_a_misspelled_field() -> None:
    deployment = next(doc for _, doc in manifests() if doc["kind"] == "Deployment")
    broken = copy.deepcopy(deployment)
    container = broken["spec"]["template"]["spec"]["containers"][0]
    container["livenesProbe"] = container.pop("livenessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES[-1], strict=True)


def test_kubernetes_workers_per_queue_with_probes_and_metrics() -> None:
    docs = manifests()
    deployments = {d["metadata"]["labels"]["weiquan.io/queue"]: d for _, d in docs if d["kind"] == "Deployment"
                   and d["metadata"]["labels"].get("app.kubernetes.io/component") == "worker"}
    assert sorted(deployments) == sorted(ALL)
    config = next(d for _, d in docs if d["kind"] == "ConfigMap")["data"]
    health_port = int(config["WEIQUAN_HEALTH_ADDRESS"].rpartition(":")[2])
    metrics_port = int(config["WEIQUAN_METRICS_ADDRESS"].rpartition(":")[2])
    assert tomllib.loads(config["weiquan.toml"])["worker"]  # the [worker] table load_worker_settings reads
    for queue, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["args"] == ["weiquan", "worker", "--agency", queue]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports == {"health": health_port, "metrics": metrics_port}
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}
        assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]
        assert pod["terminationGracePeriodSeconds"] > GRACE
        assert {s.get("secretRef", {}).get("name") for s in container["envFrom"]} >= {"weiquan-secrets"}
        assert any(v.get("secret", {}).get("secretName") == "weiquan-temporal-tls" for v in pod["volumes"])
    service = next(d for _, d in docs if d["kind"] == "Service" and d["metadata"]["name"] == "weiquan-worker-metrics")
    monitor = next(d for _, d in docs if d["kind"] == "ServiceMonitor")
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert monitor["spec"]["endpoints"][0]["port"] in {p["name"] for p in service["spec"]["ports"]}
    for deployment in deployments.values():
        assert service["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()


def test_kustomization_applies_every_manifest_but_the_optional_one() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - NOT_RESOURCES - {"servicemonitor.yaml"}


def test_temporal_helm_values_use_postgresql_and_our_codec_server() -> None:
    values = yaml.safe_load((K8S / "temporal-values.yaml").read_text())
    stores = values["server"]["config"]["persistence"]["datastores"]
    assert {name: store["sql"]["pluginName"] for name, store in stores.items()} == {
        "default": "postgres12", "visibility": "postgres12"}
    assert all(store["sql"]["existingSecret"] and "password" not in store["sql"] for store in stores.values())
    env = {e["name"]: e["value"] for e in values["web"]["additionalEnv"]}
    assert env["TEMPORAL_CODEC_ENDPOINT"].startswith("https://")


def test_the_image_holds_every_package() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert dockerfile.startswith("# ") and "FROM python:3.11-slim" in dockerfile and "pip install ." in dockerfile
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    for package in packages["include"]:
        assert f"COPY {package.rstrip('*')} " in dockerfile, package
