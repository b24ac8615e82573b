"""Fault injection: the SDK's own retry policy must carry a client through it."""

import pytest
from azure.core.pipeline.policies import RetryPolicy


def create_get_delete(emulator, client, name):
    client.resource_groups.create_or_update(name, {"location": "westeurope", "tags": {"run": name}})
    assert client.resource_groups.get(name).tags == {"run": name}
    client.resource_groups.begin_delete(name).result()
    assert client.resource_groups.check_existence(name) is False


def test_throttling_and_server_errors_are_retried(emulator, faults):
    client = emulator.client()
    list(client.resource_groups.list())  # token first: the token endpoint is never faulted
    seq = emulator.last_seq()
    # About 30% of ARM calls fail: 15% throttled, then 18% of the rest 500/503. azure-core retries a
    # status error 3 times by default, so the fixed seed keeps this deterministic.
    faults(throttle_rate=0.15, error_rate=0.18, retry_after=0, seed=11)
    create_get_delete(emulator, client, "rg-faulty")
    injected = [e for e in emulator.requests_since(seq) if e["fault"]]
    assert {e["status"] for e in injected} >= {429} and {e["status"] for e in injected} & {500, 503}
    assert all(e["status"] in (429, 500, 503) for e in injected)


def test_dropped_connections_are_retried(emulator, faults):
    client = emulator.client(retry_policy=RetryPolicy(retry_backoff_factor=0.05))
    list(client.resource_groups.list())
    seq = emulator.last_seq()
    faults(drop_rate=0.3, seed=3)
    create_get_delete(emulator, client, "rg-dropped")
    dropped = [e for e in emulator.requests_since(seq) if e["fault"] == "drop"]
    assert dropped and all(e["status"] is None for e in dropped)


def test_fault_settings_are_validated(emulator):
    import urllib.error
    with pytest.raises(urllib.error.HTTPError) as info:
        emulator.control("PUT", "faults", {"throttle_rate": 2})
    assert info.value.code == 400


def test_lro_failure_is_reported(emulator, faults):
    from azure.core.exceptions import HttpResponseError
    client = emulator.client()
    client.resource_groups.create_or_update("rg-lro-fail", {"location": "westeurope"})
    faults(lro_failure_rate=1.0)
    with pytest.raises(HttpResponseError):
        client.resource_groups.begin_delete("rg-lro-fail").result()
    faults()
    assert client.resource_groups.get("rg-lro-fail").properties.provisioning_state == "Failed"
    client.resource_groups.begin_delete("rg-lro-fail").result()
