"""deploy/: the compose file validates with docker-compose, the Kubernetes manifests with
kubernetes-validate (strict), and both run one worker service per task queue with the drain
period longer than the workers' graceful shutdown. Each agency's workers have their own database
user, secret and certificate; compose publishes nothing on every interface but the gateway; the
codec server's settings are ones it starts with; NetworkPolicies close the namespace; the Helm
values make the gateway and workers the only writers and the Web UI read-only; every `weiquan …`
command line in them is one the CLI parses; the case workers get the units' public key set, each
agency's workers their own unit's private key alone, the gateway those it signs with, and no
private key is ever in a ConfigMap."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import typer
import yaml
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ProgrammingError
from typer.testing import CliRunner

from domain.models import Agency
from domain.signing import KeySet, load_key_set, load_unit_key
from registry.store import Registry, make_engine
from starters.cli import app
from starters.codec_server import check_exposure, load_origins, load_tokens
from workers.queues import ALL
from workers.settings import WorkerSettings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
NOT_RESOURCES = {"kustomization.yaml", "temporal-values.yaml"}
NOT_KUSTOMIZED = {"servicemonitor.yaml", "temporal-networkpolicies.yaml"}  # applied on their own
KUBERNETES = ("1.29.0", kubernetes_validate.utils.latest_version())  # oldest supported, newest
GRACE = WorkerSettings().graceful_shutdown_seconds


@pytest.fixture(scope="module")
def dev_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A deploy/keys/ folder as `weiquan keys dev` makes it (compose reads its files)."""
    folder = tmp_path_factory.mktemp("deploy") / "keys"
    done = CliRunner().invoke(app, ["keys", "dev", str(folder)])
    assert done.exit_code == 0, done.output
    return folder


def compose_config(keys: Path, **env: str) -> dict[str, Any]:
    if not shutil.which("docker-compose"):
        pytest.skip("docker-compose is not installed (tests/run.sh installs it on Debian)")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WORKERS_", "WEIQUAN_", "TEMPORAL_"))}
    done = subprocess.run(["docker-compose", "-f", str(DEPLOY / "compose.yaml"), "config"],
                          env={**clean, "WEIQUAN_KEYS_DIR": str(keys), **env}, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def seconds(text: str) -> float:
    match = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", text)
    assert match, text
    return int(match[1] or 0) * 60 + int(match[2] or 0)


def test_compose_file_validates_with_a_worker_service_per_queue(dev_keys: Path) -> None:
    services = compose_config(dev_keys)["services"]
    workers = {s["command"][-1]: s for s in services.values() if s.get("command", [None])[:2] == ["weiquan", "worker"]}
    assert sorted(workers) == sorted(ALL)
    for service in workers.values():
        assert service["deploy"]["replicas"] >= 1
        assert seconds(service["stop_grace_period"]) > GRACE
        assert service["environment"]["WEIQUAN_HEALTH_ADDRESS"].endswith(":8000")
        assert "readyz" in " ".join(service["healthcheck"]["test"])
        assert {"registry-migrate", "temporal-setup"} <= set(service["depends_on"])
    assert services["registry-migrate"]["command"] == ["weiquan", "db", "upgrade"]
    assert services["codec-server"]["command"] == ["weiquan", "codec-server", "--host", "0.0.0.0", "--port", "8888"]
    assert services["temporal-ui"]["environment"]["TEMPORAL_CODEC_ENDPOINT"] == "http://localhost:8888"
    assert services["temporal"]["environment"]["DB"] == "postgres12"


def test_compose_replicas_come_from_the_environment(dev_keys: Path) -> None:
    services = compose_config(dev_keys, WORKERS_UNION="3", WORKERS_CASE="4")["services"]
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
        slug = queue.replace("_", "-")
        assert {s.get("secretRef", {}).get("name") for s in container["envFrom"]} >= {f"weiquan-secrets-{slug}"}
        assert any(v.get("secret", {}).get("secretName") == f"weiquan-temporal-tls-{slug}" for v in pod["volumes"])
    service = next(d for _, d in docs if d["kind"] == "Service" and d["metadata"]["name"] == "weiquan-worker-metrics")
    monitor = next(d for _, d in docs if d["kind"] == "ServiceMonitor")
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert monitor["spec"]["endpoints"][0]["port"] in {p["name"] for p in service["spec"]["ports"]}
    for deployment in deployments.values():
        assert service["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()


def test_kustomization_applies_every_manifest_but_the_optional_one() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - NOT_RESOURCES - NOT_KUSTOMIZED
    if shutil.which("kubectl"):  # the kustomization builds, every resource in our namespace
        built = subprocess.run(["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, timeout=60)
        assert built.returncode == 0, built.stderr
        assert {d["metadata"].get("namespace", "weiquan") for d in yaml.safe_load_all(built.stdout)} == {"weiquan"}


def test_temporal_helm_values_use_postgresql_and_our_codec_server() -> None:
    values = yaml.safe_load((K8S / "temporal-values.yaml").read_text())
    stores = values["server"]["config"]["persistence"]["datastores"]
    assert {name: store["sql"]["pluginName"] for name, store in stores.items()} == {
        "default": "postgres12", "visibility": "postgres12"}
    assert all(store["sql"]["existingSecret"] and "password" not in store["sql"] for store in stores.values())
    env = {e["name"]: e.get("value") for e in values["web"]["additionalEnv"]}
    assert env["TEMPORAL_CODEC_ENDPOINT"].startswith("https://")


def test_the_image_holds_every_package() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert dockerfile.startswith("# ") and "FROM python:3.11-slim" in dockerfile and "pip install ." in dockerfile
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    for package in packages["include"]:
        assert f"COPY {package.rstrip('*')} " in dockerfile, package


# ---- the command lines match the CLI ------------------------------------------------------------


def pod_specs(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [doc["spec"]["template"]["spec"]] if doc["kind"] in ("Deployment", "Job") else []


def command_lines() -> list[tuple[str, list[str]]]:
    """Every `weiquan …` command line the deploy files run: compose services, Kubernetes containers,
    the image's default command."""
    lines = []
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))["services"]
    lines += [(f"compose {name}", s["command"]) for name, s in services.items() if isinstance(s.get("command"), list)]
    for name, doc in manifests():
        for pod in pod_specs(doc):
            for c in [*pod.get("initContainers", []), *pod["containers"]]:
                lines.append((f"{name} {doc['metadata']['name']}/{c['name']}", [*c.get("command", []), *c.get("args", [])]))
    cmd = re.search(r"^CMD (\[.*\])$", (DEPLOY / "Dockerfile").read_text(encoding="utf-8"), re.M)
    assert cmd, "the Dockerfile has no exec-form CMD"
    lines.append(("Dockerfile CMD", json.loads(cmd[1])))
    return [(where, line) for where, line in lines if line[:1] == ["weiquan"]]


def parse_with_the_cli(line: list[str]) -> Any:
    """Parses a command line as `weiquan` would, without running it (the command's click context):
    an option the command lacks, a missing or a malformed value raises the CLI's usage error."""
    command, args = typer.main.get_command(app), line[1:]
    while hasattr(command, "commands"):  # a group: the next word names its command
        assert args and args[0] in command.commands, f"{line}: no such weiquan command"
        command, args = command.commands[args[0]], args[1:]
    return command.make_context(line[0], list(args))


def test_every_weiquan_command_line_in_the_deploy_files_is_one_the_cli_takes() -> None:
    lines = command_lines()
    assert {line[1] for _, line in lines} >= {"worker", "gateway", "codec-server", "db"}
    for where, line in lines:
        try:
            parse_with_the_cli(line)
        except Exception as err:  # the CLI's usage errors (typer's own click)
            pytest.fail(f"{where}: {' '.join(line)}: {err}")


def test_the_command_line_check_catches_a_renamed_option() -> None:
    with pytest.raises(Exception, match="No such option: --cert"):
        parse_with_the_cli(["weiquan", "gateway", "--cert", "tls.crt", "--key", "tls.key"])
    with pytest.raises(typer.BadParameter):
        parse_with_the_cli(["weiquan", "gateway", "--port", "https"])
    assert parse_with_the_cli(["weiquan", "gateway", "--tls-cert", "a.crt"]).params["tls_cert"] == Path("a.crt")


# ---- who may do what ----------------------------------------------------------------------------


def published(port: Any) -> tuple[str, int]:
    """(host address, published port) of a compose port, as `docker-compose config` writes it."""
    if isinstance(port, dict):
        return port.get("host_ip", "0.0.0.0"), int(port["published"])
    parts = str(port).split("/")[0].split(":")
    return (parts[0] if len(parts) == 3 else "0.0.0.0"), int(parts[-2])


def test_compose_publishes_only_the_gateway_on_every_interface(dev_keys: Path) -> None:
    services = compose_config(dev_keys)["services"]
    ports = {name: [published(p) for p in s.get("ports", [])] for name, s in services.items()}
    everywhere = {name for name, found in ports.items() if any(ip in ("0.0.0.0", "::", "") for ip, _ in found)}
    assert everywhere == {"gateway"}
    assert {name for name, found in ports.items() if found} == {"gateway", "temporal", "temporal-ui", "codec-server"}
    assert services["temporal-ui"]["environment"]["TEMPORAL_DISABLE_WRITE_ACTIONS"] == "true"
    # The codec server decrypts for whoever reaches it without a token: no other service can.
    codec = set(services["codec-server"]["networks"])
    assert all(not codec & set(s.get("networks", {"default": None})) for n, s in services.items() if n != "codec-server")
    assert services["gateway"]["command"][:2] == ["weiquan", "gateway"]


def test_compose_codec_server_starts_with_its_settings_and_reads_its_origins(dev_keys: Path) -> None:
    """It listens on the container's interfaces (so its published port reaches it): settings the
    codec server itself would refuse fail here, as would origins it does not read."""
    service = compose_config(dev_keys)["services"]["codec-server"]
    env, command = service["environment"], service["command"]
    host = command[command.index("--host") + 1]
    check_exposure(host, load_tokens(env), env)
    assert load_origins(env) == ["http://localhost:8080"]
    assert "WEIQUAN_DATABASE_URL" not in env  # it needs the keys and nothing else
    with pytest.raises(Exception, match="WEIQUAN_CODEC_TRUSTED_PROXY"):
        check_exposure(host, {}, {**env, "WEIQUAN_CODEC_TRUSTED_PROXY": "false"})


def test_each_agency_s_workers_have_their_own_database_user_and_secret(dev_keys: Path) -> None:
    services = compose_config(dev_keys)["services"]
    users = {}
    for name, service in services.items():
        if service.get("command", [None])[:2] == ["weiquan", "worker"]:
            users[service["command"][-1]] = make_url(service["environment"]["WEIQUAN_DATABASE_URL"]).username
    assert users == {q: f"weiquan_{q}" for q in ALL}
    assert make_url(services["registry-migrate"]["environment"]["WEIQUAN_DATABASE_URL"]).username == "weiquan"

    docs = manifests()
    secrets = {d["metadata"]["name"]: d for _, d in docs if d["kind"] == "Secret"}
    for q in ALL:
        slug = q.replace("_", "-")
        data = secrets[f"weiquan-secrets-{slug}"]["stringData"]
        assert make_url(data["WEIQUAN_DATABASE_URL"]).username == f"weiquan_{q}" and "TEMPORAL_API_KEY" in data
        assert secrets[f"weiquan-temporal-tls-{slug}"]["type"] == "kubernetes.io/tls"
    assert "weiquan-secrets" not in secrets  # no secret shared by every agency
    used = [f["secretRef"]["name"] for _, d in docs if d["kind"] in ("Deployment", "Job")
            for c in d["spec"]["template"]["spec"]["containers"] for f in c.get("envFrom", []) if "secretRef" in f]
    assert len(used) == len(set(used))  # no two workloads read one secret


# ---- the units' signing keys: each part holds only those it uses ----------------------------------

SIGNING_KEY = "WEIQUAN_SIGNING_KEY_"  # + UNIT: a unit's private key (domain/signing/keys.py)


def private_keys(names: Any) -> set[str]:
    return {n for n in names if n.startswith(SIGNING_KEY)}


def own_key(unit: str) -> set[str]:
    return {SIGNING_KEY + unit.upper()}


def test_keys_dev_makes_every_unit_s_key_once_and_the_folder_is_not_committed(dev_keys: Path) -> None:
    before = {p.name: p.read_text() for p in dev_keys.iterdir()}
    assert set(before) == {"unit-keys.json", *(f"{a.value}{ext}" for a in Agency for ext in (".key", ".env"))}
    for path in dev_keys.iterdir():
        if path.name != "unit-keys.json":
            assert path.stat().st_mode & 0o077 == 0, path  # private: the owner's alone
    pinned = load_key_set({"WEIQUAN_SIGNING_KEYS": str(dev_keys / "unit-keys.json")})
    for unit in Agency:
        variable, _, value = before[f"{unit.value}.env"].strip().partition("=")
        key = load_unit_key(unit, {variable: value})  # the env file holds the key file's key
        assert key == load_unit_key(unit, {"WEIQUAN_SIGNING_KEY_DIR": str(dev_keys)})
        assert pinned.find(key.key_id) == (unit, key.public(pinned.find(key.key_id)[1].valid_from))
    again = CliRunner().invoke(app, ["keys", "dev", str(dev_keys)])
    assert again.exit_code == 0 and {p.name: p.read_text() for p in dev_keys.iterdir()} == before  # kept
    if shutil.which("git") and (ROOT / ".git").exists():
        secret = ["deploy/keys/union.key", "deploy/keys/unit-keys.json", "deploy/gateway/tls.key"]
        ignored = subprocess.run(["git", "check-ignore", *secret], cwd=ROOT, capture_output=True, text=True, timeout=30)
        assert ignored.stdout.split() == secret, "deploy/keys/ and deploy/gateway/ must be in .gitignore"


def test_keys_dev_refuses_a_private_key_others_may_read(tmp_path: Path) -> None:
    assert CliRunner().invoke(app, ["keys", "dev", str(tmp_path)]).exit_code == 0
    (tmp_path / "union.key").chmod(0o644)
    done = CliRunner().invoke(app, ["keys", "dev", str(tmp_path)])
    assert done.exit_code == 2 and "chmod 600" in done.output and "Traceback" not in done.output


def mounts(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(host source, container target) of a compose service's volumes, in either `config` format."""
    found = []
    for v in service.get("volumes", []):
        if isinstance(v, dict):
            found.append((v.get("source", ""), v["target"]))
        else:
            source, target = v.split(":")[:2]
            found.append((source, target))
    return found


def test_compose_gives_each_part_only_the_signing_keys_it_uses(dev_keys: Path) -> None:
    services = compose_config(dev_keys)["services"]
    seen = set()
    for name, service in services.items():
        env, command = service.get("environment", {}), service.get("command") or []
        from_keys = [(src, dst) for src, dst in mounts(service) if Path(src).is_relative_to(dev_keys)]
        if command[:2] == ["weiquan", "worker"]:
            queue = command[-1]
            seen.add(queue)
            if queue == "case":  # checks events: the public set, no private key
                assert private_keys(env) == set(), name
                assert from_keys == [(str(dev_keys / "unit-keys.json"), env["WEIQUAN_SIGNING_KEYS"])], name
                assert set(load_key_set({"WEIQUAN_SIGNING_KEYS": from_keys[0][0]}).units) == set(Agency)
            else:  # signs its meeting news: its own unit's key alone
                assert private_keys(env) == own_key(queue), name
                assert load_unit_key(Agency(queue), env).unit == queue
                assert from_keys == [] and "WEIQUAN_SIGNING_KEYS" not in env, name
        elif command[:2] == ["weiquan", "gateway"]:  # signs for every unit it lets in
            assert private_keys(env) == {k for a in Agency for k in own_key(a.value)}
            assert all(load_unit_key(a, env).unit == a for a in Agency)
            assert from_keys == []
        else:
            assert private_keys(env) == set() and from_keys == [], name
    assert seen == set(ALL)


def test_kubernetes_gives_each_part_only_the_signing_keys_it_uses() -> None:
    docs = manifests()
    secrets = {d["metadata"]["name"]: {**d.get("stringData", {}), **d.get("data", {})}
               for _, d in docs if d["kind"] == "Secret"}
    configs = {d["metadata"]["name"]: d.get("data", {}) for _, d in docs if d["kind"] == "ConfigMap"}
    for name, data in configs.items():  # a ConfigMap is anyone's to read in the namespace
        assert private_keys(data) == set() and not any("private_key" in v for v in data.values()), name
    seen = set()
    for _, doc in docs:
        for pod in pod_specs(doc):
            labels = doc["metadata"]["labels"]
            volumes = {v["name"]: v for v in pod.get("volumes", [])}
            for c in pod["containers"]:
                env = {e["name"]: e.get("value") for e in c.get("env", [])}
                readable = set(env)
                for source in c.get("envFrom", []):
                    if "secretRef" in source:
                        readable |= set(secrets[source["secretRef"]["name"]])
                    else:
                        readable |= set(configs[source["configMapRef"]["name"]])
                files = {m["mountPath"]: volumes[m["name"]] for m in c.get("volumeMounts", [])}
                secret_files = {f"{path}/{key}": value for path, v in files.items() if "secret" in v
                                for key, value in secrets[v["secret"]["secretName"]].items()}
                assert not any("private_key" in v for v in secret_files.values())  # keys never as files
                component, queue = labels.get("app.kubernetes.io/component"), labels.get("weiquan.io/queue")
                if component == "worker" and queue == "case":
                    assert private_keys(readable) == set()
                    pinned = secret_files[env["WEIQUAN_SIGNING_KEYS"]]
                    KeySet.model_validate_json(pinned)
                elif component == "worker":
                    assert private_keys(readable) == own_key(queue), doc["metadata"]["name"]
                    assert "WEIQUAN_SIGNING_KEYS" not in readable
                elif component == "gateway":
                    assert private_keys(readable) == {k for a in Agency for k in own_key(a.value)}
                else:
                    assert private_keys(readable) == set(), doc["metadata"]["name"]
                seen.add(queue or component)
    assert seen >= {*ALL, "gateway"}


def test_kubernetes_codec_server_starts_with_its_settings() -> None:
    codec = next(d for _, d in manifests() if d["kind"] == "Deployment"
                 and d["metadata"]["labels"]["app.kubernetes.io/component"] == "codec-server")
    (container,) = codec["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    args = container["args"]
    check_exposure(args[args.index("--host") + 1], load_tokens(env), env)
    assert load_origins(env)[0].startswith("https://")


def selects(policy: dict[str, Any], labels: dict[str, str]) -> bool:
    wanted = policy["spec"]["podSelector"].get("matchLabels", {})
    return wanted.items() <= labels.items()


def test_network_policies_close_the_namespace_and_open_only_what_each_part_needs() -> None:
    docs = manifests()
    policies = [d for _, d in docs if d["kind"] == "NetworkPolicy" and d["metadata"]["namespace"] == "weiquan"]
    deny = next(p for p in policies if p["spec"]["podSelector"] == {} and "ingress" not in p["spec"]
                and "egress" not in p["spec"])
    assert set(deny["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    workloads = {d["metadata"]["name"]: d["spec"]["template"]["metadata"]["labels"] for _, d in docs
                 if d["kind"] in ("Deployment", "Job")}
    open_to_all = set()
    for name, labels in workloads.items():
        mine = [p for p in policies if p["spec"]["podSelector"].get("matchLabels") and selects(p, labels)]
        assert mine, f"{name}: no NetworkPolicy of its own"
        if any("from" not in rule for p in mine for rule in p["spec"].get("ingress", [])):
            open_to_all.add(labels["app.kubernetes.io/component"])
    assert open_to_all == {"gateway"}  # agencies' systems reach the gateway and nothing else
    codec = next(p for p in policies if p["metadata"]["name"] == "codec-server")
    [rule] = codec["spec"]["ingress"]
    assert [f["namespaceSelector"]["matchLabels"] for f in rule["from"]] == [
        {"kubernetes.io/metadata.name": "ingress-nginx"}]
    temporal = [d for _, d in docs if d["kind"] == "NetworkPolicy" and d["metadata"]["namespace"] == "temporal"]
    callers = next(p for p in temporal if p["spec"]["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/component": "frontend"})
    ours = [f for rule in callers["spec"]["ingress"] for f in rule["from"] if "namespaceSelector" in f]
    assert ours[0]["podSelector"]["matchExpressions"][0]["values"] == ["worker", "gateway"]


def test_helm_values_make_the_gateway_and_workers_the_only_writers_and_the_ui_read_only() -> None:
    values = yaml.safe_load((K8S / "temporal-values.yaml").read_text())
    auth = values["server"]["config"]["authorization"]
    assert (auth["authorizer"], auth["claimMapper"]) == ("default", "default")
    assert auth["permissionsClaimName"] == "permissions"
    assert auth["jwtKeyProvider"]["keySourceURIs"][0].startswith("https://")
    assert values["server"]["internal-frontend"]["enabled"] is True  # the system worker needs no token
    assert values["server"]["tls"]["frontend"]["requireClientAuth"] is True
    env = {e["name"]: e.get("value") for e in values["web"]["additionalEnv"]}
    assert env["TEMPORAL_DISABLE_WRITE_ACTIONS"] == "true" and env["TEMPORAL_AUTH_ENABLED"] == "true"
    comment = (K8S / "temporal-values.yaml").read_text()
    assert '["default:write"]' in comment and '["default:read"]' in comment


@pytest.fixture
def owner_db(pg_url: str) -> Any:
    """A database owned by a `weiquan` role, as the registry's is, on the test PostgreSQL."""
    name = f"wq_roles_{os.getpid()}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        for q in ALL:
            conn.execute(text(f'DROP ROLE IF EXISTS "weiquan_{q}"'))
        conn.execute(text("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'weiquan') THEN "
                          "CREATE ROLE weiquan; END IF; END $$"))
        conn.execute(text("ALTER ROLE weiquan LOGIN CREATEROLE"))  # compose's owner is the superuser
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER weiquan'))
    url = make_url(pg_url).set(database=name)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        for q in ALL:
            conn.execute(text(f'DROP ROLE IF EXISTS "weiquan_{q}"'))
    admin.dispose()


def test_registry_roles_let_each_agency_write_rows_and_none_change_the_schema(owner_db: Any) -> None:
    """deploy/registry-roles.sh on a real PostgreSQL: one user per agency, made before the tables
    (as compose runs it); the owner migrates and grants (registry/grants.py); an agency's user adds
    work items and reads parties, never writes the case file or the schema; the case workers' user
    writes the case file."""
    if not shutil.which("psql"):
        pytest.skip("psql is not installed")
    env = {**os.environ, "PGHOST": owner_db.host, "PGPORT": str(owner_db.port), "POSTGRES_USER": "weiquan",
           "POSTGRES_DB": owner_db.database, **{f"REGISTRY_DB_PASSWORD_{q.upper()}": f"pw-{q}" for q in ALL}}
    done = subprocess.run(["sh", str(DEPLOY / "registry-roles.sh")], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr

    def engine_of(user: str, password: str | None = None) -> Engine:
        return make_engine(owner_db.set(username=user, password=password).render_as_string(hide_password=False))

    owner, union, case = engine_of("weiquan", owner_db.password), engine_of("weiquan_union", "pw-union"), \
        engine_of("weiquan_case", "pw-case")
    Registry(owner).upgrade()
    Registry(union).upgrade()  # a worker's start-up at head: reads the revision, changes nothing, grants nothing
    with union.begin() as conn:
        conn.execute(text("INSERT INTO work_items (case_number, key, agency, kind, title, created_at) "
                          "VALUES ('NC360113-AAAAAAAA', 'k', 'union', 'mediation', 't', now())"))
        conn.execute(text("SELECT count(*) FROM parties"))
    refused = ("CREATE TABLE mine (id int)", "DROP TABLE work_items", "DELETE FROM work_items",
               "UPDATE work_items SET title = 'x'", "UPDATE cases SET stage = 'closed'", "SELECT * FROM case_events",
               "INSERT INTO deadlines (case_number) VALUES ('NC360113-AAAAAAAA')")
    for sql in refused:
        with pytest.raises(ProgrammingError, match="permission denied|must be owner"), union.begin() as conn:
            conn.execute(text(sql))
    with case.begin() as conn:
        conn.execute(text("UPDATE cases SET stage = stage"))
        conn.execute(text("SELECT count(*) FROM case_events"))
    with pytest.raises(ProgrammingError, match="permission denied"), case.begin() as conn:
        conn.execute(text("DELETE FROM work_items"))
    for engine in (owner, union, case):
        engine.dispose()
