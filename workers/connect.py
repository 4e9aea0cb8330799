"""Connecting to Temporal the ecosystem's way: temporal.toml profiles and TEMPORAL_* variables."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.envconfig import ClientConfig
from temporalio.runtime import Runtime

DEFAULT_ADDRESS = "localhost:7233"


async def connect(profile: str | None = None, *, runtime: Runtime | None = None) -> Client:
    """`runtime`: a worker's own runtime (its Prometheus endpoint); None = the process default."""
    config = dict(ClientConfig.load_client_connect_config(profile=profile))
    target = config.pop("target_host", None) or DEFAULT_ADDRESS
    config.setdefault("namespace", "default")
    return await Client.connect(target, data_converter=pydantic_data_converter, runtime=runtime, **config)
