"""Fault injection, over the Python API and the /_simulator control path."""

import time

import pytest
import requests

WINDOW = {"startDate": "2024-05-20T11:00:00.000Z", "endDate": "2024-05-20T12:00:00.000Z"}


def test_status_fault_uses_appliance_body_then_is_used_up(fresh, fresh_api):
    fresh.inject("message-tracking/messages", "status", status=503, count=2)
    for _ in range(2):
        r = fresh_api.get("message-tracking/messages", WINDOW)
        assert r.status_code == 503
        assert r.json()["error"] == {"message": "Service Unavailable.", "code": "503",
                                     "explanation": "503 = The server cannot process the request due to a high load."}
    assert fresh_api.get("message-tracking/messages", WINDOW).status_code == 200


def test_status_fault_custom_message_and_glob_and_method(fresh, fresh_api):
    fresh.inject("quarantine/*", "status", status=500, message="Boom.", method="POST")
    assert fresh_api.get("quarantine/safelist", {"action": "view"}).status_code == 200
    r = fresh_api.post("quarantine/safelist", {})
    assert r.status_code == 500 and r.json()["error"]["message"] == "Boom."
    assert fresh_api.post("quarantine/safelist", {}).status_code == 400


def test_rate_limit(fresh, fresh_api):
    fresh.inject("message-tracking/*", "rate_limit", retry_after=7)
    r = fresh_api.get("message-tracking/messages", WINDOW)
    assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    assert r.json()["error"]["code"] == "429"


def test_delay(fresh, fresh_api):
    fresh.inject("login/privileges", "delay", delay=0.3)
    t0 = time.monotonic()
    assert fresh_api.get("login/privileges").status_code == 200
    assert time.monotonic() - t0 >= 0.3


def test_malformed_json(fresh, fresh_api):
    fresh.inject("login/privileges", "malformed_json")
    r = fresh_api.get("login/privileges")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    with pytest.raises(ValueError):
        r.json()
    assert fresh_api.get("login/privileges").json()["data"]


def test_html_error_page(fresh, fresh_api):
    fresh.inject("login/privileges", "html")
    r = fresh_api.get("login/privileges")
    assert r.status_code == 502 and r.headers["Content-Type"].startswith("text/html")
    assert "<html>" in r.text
    fresh.inject("login/privileges", "html", status=504)
    assert fresh_api.get("login/privileges").status_code == 504


def test_drop_closes_without_response(fresh, fresh_api):
    fresh.inject("login/privileges", "drop")
    with pytest.raises(requests.ConnectionError):
        requests.get(fresh_api.base + "login/privileges", auth=fresh_api.session.auth, timeout=5)
    assert fresh_api.get("login/privileges").status_code == 200
    assert any(e["status"] is None for e in fresh.request_log)


@pytest.mark.parametrize("kind,message", [("expired_token", "ExpiredSignatureError."),
                                          ("invalid_token", "InvalidTokenError.")])
def test_token_faults(fresh, fresh_api, kind, message):
    fresh.inject("message-tracking/messages", kind)
    r = fresh_api.get("message-tracking/messages", WINDOW)
    assert r.status_code == 401 and r.json()["error"]["message"] == message


def test_fault_on_login_and_full_path(fresh):
    fresh.inject("/esa/api/v2.0/login", "status", status=500)
    r = requests.post(f"{fresh.url}/esa/api/v2.0/login", json={"data": {}}, timeout=5)
    assert r.status_code == 500


def test_clear_faults(fresh, fresh_api):
    fresh.inject("*", "status", status=500, count=10)
    fresh.clear_faults()
    assert fresh_api.get("login/privileges").status_code == 200


def test_unknown_kind_is_rejected(fresh):
    with pytest.raises(ValueError):
        fresh.inject("login", "explode")


def test_control_path_mirrors_the_python_api(fresh, fresh_api):
    ctl = f"{fresh.url}/_simulator"
    assert requests.post(f"{ctl}/faults", json={"path": "login/privileges", "kind": "status", "status": 418},
                         timeout=5).status_code == 200
    assert fresh_api.get("login/privileges").status_code == 418
    requests.post(f"{ctl}/faults", json={"path": "*", "kind": "status", "status": 500, "count": 5}, timeout=5)
    assert requests.delete(f"{ctl}/faults", timeout=5).status_code == 200
    assert fresh_api.get("login/privileges").status_code == 200
    log = requests.get(f"{ctl}/requests", timeout=5).json()["data"]
    assert [e["status"] for e in log] == [418, 200]
    assert all(not e["path"].startswith("/_simulator") for e in log)
    requests.delete(f"{ctl}/requests", timeout=5)
    assert fresh.request_log == []
    rec = requests.post(f"{ctl}/tracking", json={"subject": "via control", "timestamp": "2024-05-20T11:30:00Z"},
                        timeout=5).json()["data"]
    rows = fresh_api.get("message-tracking/messages", dict(WINDOW, subjectfilterValue="via control")).json()["data"]
    assert [r["attributes"]["mid"] for r in rows] == [rec["mid"]]
    q = requests.post(f"{ctl}/quarantine", json={"subject": "q via control", "date": "2024-05-20T11:30:00+00:00"},
                      timeout=5).json()["data"]
    assert q["mid"] in fresh.world.quarantine_mids()
    token = fresh_api.session.post(fresh_api.base + "login", json={"data": {"userName": "YWRtaW4=", "passphrase":
                                   "QzFzY28hQWRtaW4jU2lt"}}, timeout=5).json()["data"]["jwtToken"]
    requests.post(f"{ctl}/expire-tokens", timeout=5)
    r = requests.get(fresh_api.base + "login/privileges", headers={"jwtToken": token}, timeout=5)
    assert r.json()["error"]["message"] == "ExpiredSignatureError."
    requests.post(f"{ctl}/reset", timeout=5)
    assert q["mid"] not in fresh.world.quarantine_mids()
    assert fresh.request_log == []


def test_client_giving_up_during_a_delay_is_not_a_simulator_error(fresh, fresh_api):
    fresh.inject("login/privileges", "delay", delay=0.4)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(fresh_api.base + "login/privileges", auth=fresh_api.session.auth, timeout=0.1)
    time.sleep(0.5)
    assert fresh.errors == []
    assert fresh_api.get("login/privileges").status_code == 200


def test_a_request_answered_after_the_log_is_cleared_is_not_logged(fresh, fresh_api):
    """A request still sleeping in a delay fault when the log is cleared (a test's reset) belongs to
    what came before: its late answer does not land in the next test's log."""
    fresh.inject("login/privileges", "delay", delay=0.4)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(fresh_api.base + "login/privileges", auth=fresh_api.session.auth, timeout=0.1)
    fresh.reset()
    time.sleep(0.6)  # the delayed request is answered (to a client long gone) in the meantime
    assert fresh.request_log == []
    assert fresh_api.get("message-tracking/messages", WINDOW).status_code == 200
    assert [e["path"].rsplit("/", 2)[-2:] for e in fresh.request_log] == [["message-tracking", "messages"]]
