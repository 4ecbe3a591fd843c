"""Determinism, TLS, keep-alive, the request log, reset and the command line."""

import json
import os
import signal
import subprocess
import sys
import threading

import requests

from esa_simulator import Simulator
from esa_simulator.world import World

from .conftest import NOW, Api


def test_same_seed_and_now_give_identical_worlds():
    a = World("sma", 11, NOW, tracking_count=500, quarantine_count=50)
    b = World("sma", 11, NOW, tracking_count=500, quarantine_count=50)
    c = World("sma", 12, NOW, tracking_count=500, quarantine_count=50)
    assert json.dumps(a.snapshot(), sort_keys=True) == json.dumps(b.snapshot(), sort_keys=True)
    assert a.snapshot() != c.snapshot()


def test_same_seed_gives_byte_identical_responses():
    bodies = []
    for _ in range(2):
        with Simulator(seed=5, now=NOW, tracking_count=300, quarantine_count=30) as sim:
            api = Api(sim)
            rec = sim.world.pick_amp_message()
            bodies.append((
                api.get("message-tracking/messages", {"startDate": "2024-05-19T00:00:00.000Z",
                                                      "endDate": "2024-05-20T13:00:00.000Z", "limit": 100}).content,
                api.get("message-tracking/amp-details", {"serialNumber": rec["serialNumber"],
                                                         "mid": rec["mid"][0]}).content,
                api.get("quarantine/messages", {"quarantineType": "spam", "startDate": "2024-05-19T00:00:00.000Z",
                                                "endDate": "2024-05-20T13:00:00.000Z"}).content))
    assert bodies[0] == bodies[1]


def test_tls_with_the_ca_file():
    with Simulator(tls=True, now=NOW, tracking_count=20, quarantine_count=5) as sim:
        assert sim.url.startswith("https://") and os.path.exists(sim.ca_file)
        conn = sim.connection()
        assert conn["ca_bundle"] == sim.ca_file and conn["verify_tls"] is True
        r = requests.get(f"{sim.url}/esa/api/v2.0/login/privileges", auth=(sim.username, sim.password),
                         verify=sim.ca_file, timeout=5)
        assert r.status_code == 200
        try:
            requests.get(f"{sim.url}/esa/api/v2.0/login/privileges", timeout=5)
            raise AssertionError("an unknown CA must fail verification")
        except requests.exceptions.SSLError:
            pass
        ca = sim.ca_file
    assert not os.path.exists(ca)


def test_keep_alive_reuses_one_connection(fresh):
    api = Api(fresh)
    before = fresh.connections_accepted
    for _ in range(5):
        r = api.get("login/privileges")
        assert r.status_code == 200 and r.headers["Content-Length"]
    api.get("quarantine/safelist", {"action": "bad"})  # errors keep the connection too
    api.get("login/privileges")
    assert fresh.connections_accepted - before == 1


def test_many_clients_at_once(fresh):
    results = []

    def worker():
        api = Api(fresh)
        for _ in range(5):
            results.append(api.get("message-tracking/messages", {"startDate": "2024-05-20T11:00:00.000Z",
                                                                 "endDate": "2024-05-20T12:01:00.000Z"}).status_code)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 40


def test_request_log_keeps_the_raw_query(fresh):
    api = Api(fresh)
    api.session.get(api.base + "message-tracking/messages?startDate=2024-05-20T11%3A00%3A00.000Z"
                    "&endDate=2024-05-20T12:00:00.000Z&subjectfilterValue=a%20b", timeout=5)
    api.post("quarantine/messages", {"action": "release", "quarantineType": "spam", "mids": [1]})
    log = fresh.request_log
    assert log[0]["method"] == "GET" and log[0]["path"] == "/esa/api/v2.0/message-tracking/messages"
    assert "11%3A00%3A00.000Z" in log[0]["query"] and "a%20b" in log[0]["query"]
    assert log[0]["status"] == 200 and "Authorization" in log[0]["headers"]
    assert json.loads(log[1]["body"]) == {"action": "release", "quarantineType": "spam", "mids": [1]}
    fresh.clear_log()
    assert fresh.request_log == []


def test_reset_rebuilds_the_world(fresh):
    untouched = fresh.world
    fresh.reset()
    assert fresh.world is untouched  # nothing changed, nothing to rebuild
    snap = json.dumps(fresh.world.snapshot(), sort_keys=True)
    fresh.add_tracking_message(subject="temp")
    fresh.world.release_or_delete(list(fresh.world.quarantine_mids())[:3])
    fresh.inject("*", "status", status=500)
    Api(fresh).delete("quarantine/safelist", {"quarantineType": "spam", "viewBy": "sender", "senderList": ["x.example"]})
    fresh.reset()
    assert fresh.world is not untouched
    assert json.dumps(fresh.world.snapshot(), sort_keys=True) == snap
    assert Api(fresh).get("login/privileges").status_code == 200


def test_connection_dict(esa):
    conn = esa.connection(user="helpdesk", timeout=3)
    assert conn == {"server_url": esa.url, "username": "helpdesk", "password": esa.users["helpdesk"]["password"],
                    "appliance": "esa", "verify_tls": True, "ca_bundle": None, "timeout": 3}
    assert set(esa.users) == {"admin", "operator", "helpdesk", "readonly"}


def test_command_line_prints_one_line_and_stops_cleanly():
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "esa_simulator", "--appliance", "sma", "--seed", "2",
                             "--tls"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = json.loads(proc.stdout.readline())
        assert set(line) == {"server_url", "username", "password", "appliance", "ca_bundle"}
        assert line["appliance"] == "sma" and line["server_url"].startswith("https://127.0.0.1:")
        r = requests.get(line["server_url"] + "/sma/api/v2.0/login/privileges",
                         auth=(line["username"], line["password"]), verify=line["ca_bundle"], timeout=5)
        assert r.status_code == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert out == ""
    assert "Traceback" not in err and line["ca_bundle"] in err
