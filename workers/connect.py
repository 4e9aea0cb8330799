"""Connecting to Temporal the ecosystem's way: temporal.toml profiles and TEMPORAL_* variables
(address, namespace, TLS, API key; see docs/security.md), with payloads sealed by workers.codec when
WEIQUAN_CODEC_KEYS or WEIQUAN_CODEC_KEY_FILE is set. Every client and worker connects here."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.envconfig import ClientConfig
from temporalio.runtime import Runtime

from workers.codec import data_converter as sealed_converter
from workers.codec import load_keyring, require_sealed

DEFAULT_ADDRESS = "localhost:7233"


def data_converter() -> DataConverter:
    """The converter every client, worker and test environment uses, per the environment's keys."""
    return sealed_converter(load_keyring(), sealed_only=require_sealed())


async def connect(profile: str | None = None, *, runtime: Runtime | None = None) -> Client:
    """`runtime`: a worker's own runtime (its Prometheus endpoint); None = the process default."""
    config = dict(ClientConfig.load_client_connect_config(profile=profile))
    target = config.pop("target_host", None) or DEFAULT_ADDRESS
    config.setdefault("namespace", "default")
    return await Client.connect(target, data_converter=data_converter(), runtime=runtime, **config)
