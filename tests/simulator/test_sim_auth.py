"""Authentication, tokens and roles of the simulator (reference §1.2, §1.5)."""

import base64

import requests

from esa_simulator import Simulator

from .conftest import NOW, Api

EXPL_401 = "401 = No permission -- see authorization schemes."


def _login(sim, user, password):
    body = {"data": {"userName": base64.b64encode(user.encode()).decode(),
                     "passphrase": base64.b64encode(password.encode()).decode()}}
    return requests.post(f"{sim.url}/{sim.appliance}/api/v2.0/login", json=body, timeout=5)


def _privileges(sim, token):
    return requests.get(f"{sim.url}/{sim.appliance}/api/v2.0/login/privileges", headers={"jwtToken": token},
                        timeout=5)


def test_login_returns_the_appliance_login_shape(esa):
    r = _login(esa, "operator", esa.users["operator"]["password"])
    assert r.status_code == 200
    data = r.json()["data"]
    assert set(data) == {"userName", "is2FactorRedirectRequired", "role", "email", "jwtToken"}
    assert data["userName"] == "operator"
    assert data["is2FactorRedirectRequired"] == "false"
    assert data["role"] == "Operator"
    assert data["email"] == []
    assert "Set-Cookie" not in r.headers
    assert _privileges(esa, data["jwtToken"]).status_code == 200


def test_login_wrong_password_is_401_with_exact_body(esa):
    r = _login(esa, "admin", "wrong")
    assert r.status_code == 401
    assert r.json() == {"error": {"message": "Invalid username or passphrase.", "code": "401",
                                  "explanation": EXPL_401}}


def test_login_with_plain_not_base64_values_fails(esa):
    body = {"data": {"userName": "admin", "passphrase": esa.password}}
    r = requests.post(f"{esa.url}/esa/api/v2.0/login", json=body, timeout=5)
    assert r.status_code == 401


def test_basic_auth_wrong_and_missing_credentials(esa):
    url = f"{esa.url}/esa/api/v2.0/login/privileges"
    r = requests.get(url, auth=("admin", "nope"), timeout=5)
    assert r.status_code == 401
    assert r.json()["error"] == {"message": "Invalid username or passphrase.", "code": "401",
                                 "explanation": EXPL_401}
    r = requests.get(url, timeout=5)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "401"
    assert r.json()["error"]["explanation"] == EXPL_401


def test_expired_and_garbage_tokens_have_exact_bodies(fresh):
    token = _login(fresh, "admin", fresh.password).json()["data"]["jwtToken"]
    assert _privileges(fresh, token).status_code == 200
    fresh.expire_tokens()
    r = _privileges(fresh, token)
    assert r.status_code == 401
    assert r.json() == {"error": {"message": "ExpiredSignatureError.", "code": "401", "explanation": EXPL_401}}
    r = _privileges(fresh, "not.a.token")
    assert r.status_code == 401
    assert r.json() == {"error": {"message": "InvalidTokenError.", "code": "401", "explanation": EXPL_401}}
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert _privileges(fresh, tampered).json()["error"]["message"] == "InvalidTokenError."
    # a new login works again after expiry
    token2 = _login(fresh, "admin", fresh.password).json()["data"]["jwtToken"]
    assert _privileges(fresh, token2).status_code == 200


def test_token_near_expiry_gets_a_fresh_token_header():
    with Simulator(now=NOW, tracking_count=20, quarantine_count=5, token_lifetime=60, refresh_window=60) as sim:
        token = _login(sim, "admin", sim.password).json()["data"]["jwtToken"]
        r = _privileges(sim, token)
        assert r.status_code == 200
        fresh = r.headers.get("jwtToken")
        assert fresh and fresh != token
        assert _privileges(sim, fresh).status_code == 200


def test_token_far_from_expiry_gets_no_refresh_header(esa):
    token = _login(esa, "admin", esa.password).json()["data"]["jwtToken"]
    r = _privileges(esa, token)
    assert r.status_code == 200
    assert "jwtToken" not in r.headers


def test_token_actually_expires_after_its_lifetime():
    clock = [1000.0]
    with Simulator(now=NOW, tracking_count=20, quarantine_count=5, token_lifetime=30, refresh_window=5) as sim:
        sim.tokens.clock = lambda: clock[0]
        token = _login(sim, "admin", sim.password).json()["data"]["jwtToken"]
        clock[0] += 26
        assert "jwtToken" in _privileges(sim, token).headers
        clock[0] += 10
        assert _privileges(sim, token).json()["error"]["message"] == "ExpiredSignatureError."


def test_privileges_depend_on_role(esa):
    helpdesk = Api(esa, "helpdesk").get("login/privileges").json()["data"]
    admin = Api(esa, "admin").get("login/privileges").json()["data"]
    assert set(helpdesk) < set(admin)
    assert all(p.startswith("e_message_tracking") for p in helpdesk)


def test_helpdesk_may_track_but_not_touch_quarantine_or_reports(esa):
    hd = Api(esa, "helpdesk")
    window = {"startDate": "2024-05-20T11:00:00.000Z", "endDate": "2024-05-20T12:00:00.000Z"}
    assert hd.get("message-tracking/messages", window).status_code == 200
    r = hd.get("quarantine/messages", dict(window, quarantineType="spam"))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "403"
    assert r.json()["error"]["explanation"] == "403 = Request forbidden -- authorization will not help."
    assert hd.get("reporting/mail_incoming_traffic_summary",
                  {"startDate": "2024-05-20T00:00:00.000Z", "endDate": "2024-05-20T01:00:00.000Z"}).status_code == 403


def test_readonly_may_read_but_not_write(fresh):
    ro = Api(fresh, "readonly")
    assert ro.get("quarantine/safelist", {"action": "view", "quarantineType": "spam"}).status_code == 200
    mid = fresh.world.pick_quarantine_mid()
    r = ro.post("quarantine/messages", {"action": "release", "quarantineType": "spam", "mids": [mid]})
    assert r.status_code == 403
    r = ro.delete("quarantine/blocklist", {"quarantineType": "spam", "viewBy": "recipient",
                                           "recipientList": ["x@corp.example"]})
    assert r.status_code == 403
    assert mid in fresh.world.quarantine_mids()
    op = Api(fresh, "operator")
    r = op.post("quarantine/messages", {"action": "release", "quarantineType": "spam", "mids": [mid]})
    assert r.json() == {"data": {"action": "release", "totalCount": 1}}


def test_other_appliance_prefix_is_404_with_appliance_body(esa, sma):
    r = requests.get(f"{esa.url}/sma/api/v2.0/login/privileges", auth=(esa.username, esa.password), timeout=5)
    assert r.status_code == 404
    assert r.json()["error"]["explanation"] == "404 = Nothing matches the given URI."
    r = requests.get(f"{sma.url}/esa/api/v2.0/login/privileges", auth=(sma.username, sma.password), timeout=5)
    assert r.status_code == 404
    # health exists on ESA only
    assert requests.get(f"{sma.url}/sma/api/v2.0/health", auth=(sma.username, sma.password),
                        timeout=5).status_code == 404


def test_health_on_esa(api):
    data = api.get("health").json()["data"]
    assert set(data) == {"percentage_cpu_load", "percentage_ram_utilization", "percentage_swap_utilization",
                         "percentage_queue_utilization", "resource_conservation", "messages_in_workqueue",
                         "messages_in_pvo_quarantines"}


def test_wrong_method_is_405(api):
    r = api.delete("login/privileges")
    assert r.status_code == 405
    assert r.json()["error"]["explanation"] == "405 = Specified method is invalid for this resource."
