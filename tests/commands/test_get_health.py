"""Get Health: /health on ESA (ext §18.1); on SMA the command says the endpoint does not exist there
and sends nothing but the login. End to end, request shape, failures."""

from __future__ import annotations

from tests.golden import check_golden
from tests.scenarios.common import SERVER, failure, mocked

CMD, DISPLAY = "get_health", "Get Health"


def test_get_health_esa_is_successful(integration, sim, regen_golden):
    envelope = integration.run(CMD, {})
    assert envelope["status"] == "Successful"
    assert envelope["data"]["appliance"] == "esa" and "percentage_cpu_load" in envelope["data"]
    assert envelope["data"]["other"] == {}
    assert [e["path"] for e in sim.request_log][-1] == "/esa/api/v2.0/health"
    check_golden(envelope, regen_golden)


def test_get_health_sma_says_it_has_none(sma_integration, sma):
    envelope = sma_integration.run(CMD, {})
    assert envelope["status"] == "Failed"
    assert envelope["error"]["status_code"] is None and "exists on an ESA" in envelope["error"]["message"]
    assert not [e for e in sma.request_log if e["path"].endswith("/health")]


def test_get_health_unknown_keys_are_kept_apart(requests_mock):
    requests_mock.get(f"{SERVER}/esa/api/v2.0/health",
                      json={"data": {"percentage_cpu_load": 9, "delivery_status": "ok"}})
    envelope = mocked("esa").run(CMD, {})
    assert envelope["data"] == {"appliance": "esa", "percentage_cpu_load": 9, "other": {"delivery_status": "ok"}}
    assert requests_mock.call_count == 1 and requests_mock.last_request.query == ""


def test_get_health_404_says_why(requests_mock):
    requests_mock.get(f"{SERVER}/esa/api/v2.0/health", status_code=404, json={"error": {"message": "Resource not found."}})
    envelope = mocked("esa").run(CMD, {})
    assert envelope["error"] == failure(DISPLAY, 404, "The appliance has no /health endpoint (is it an SMA? set "
                                                      "appliance to esa or sma).")


def test_get_health_shapeless_answer_fails(requests_mock):
    requests_mock.get(f"{SERVER}/esa/api/v2.0/health", json={"data": []})
    envelope = mocked("esa").run(CMD, {})
    assert envelope["status"] == "Failed" and "no data object" in envelope["error"]["message"]
