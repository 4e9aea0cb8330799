"""Register our search attributes on a server at start-up ("already exists" counts as done)."""

from __future__ import annotations

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from domain import visibility


async def ensure_search_attributes(client: Client) -> list[str]:
    """Add the attributes the namespace lacks; returns the names added."""
    try:
        existing = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=client.namespace))
        known = set(existing.custom_attributes) | set(existing.system_attributes)
    except RPCError as err:  # the time-skipping test server cannot list them
        if err.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        known = set()
    missing = {key.name: IndexedValueType.ValueType(key.indexed_value_type.value)
               for key in visibility.ALL if key.name not in known}
    if missing:
        try:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing))
        except RPCError as err:  # raced with another starter
            if err.status != RPCStatusCode.ALREADY_EXISTS:
                raise
    return sorted(missing)
