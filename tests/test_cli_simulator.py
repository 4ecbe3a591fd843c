"""`cisco-esa simulator` (contract §4): one JSON line once it accepts connections, Ctrl-C stops it cleanly."""

import json
import signal
import subprocess
import sys

import requests


def test_cli_simulator_prints_one_json_line_serves_and_stops_on_ctrl_c():
    proc = subprocess.Popen([sys.executable, "-m", "cisco_esa.cli", "simulator", "--port", "0", "--seed", "3"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = json.loads(proc.stdout.readline())
        assert {"server_url", "username", "password"} <= set(line)
        r = requests.post(f"{line['server_url']}/esa/api/v2.0/login", timeout=5, json={"data": {
            "userName": "YWRtaW4=", "passphrase": __import__("base64").b64encode(line["password"].encode()).decode()}})
        assert r.status_code == 200 and r.json()["data"]["role"] == "Administrator"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert out == "" and "Traceback" not in err
