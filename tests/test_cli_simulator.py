"""`cisco-esa simulator` (contract §4): one JSON line once it accepts connections, Ctrl-C stops it
cleanly; --help explains every option, --events sizes the data, a taken port and --tls without
its extra are one line on stderr with exit 2."""

import base64
import json
import re
import signal
import socket
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import requests

from cisco_esa.cli import build_parser, main

CLI = [sys.executable, "-m", "cisco_esa.cli", "simulator"]
# the options of contract §4, each explained by --help
OPTIONS = {"--host", "--port", "--tls", "--appliance", "--seed", "--events"}


def _start(*args):
    proc = subprocess.Popen(CLI + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise AssertionError(f"the simulator did not start: {proc.communicate()[1]}")
    return proc, json.loads(line)


def _stop(proc):
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=10)
    finally:
        proc.kill()


def test_cli_simulator_prints_one_json_line_serves_and_stops_on_ctrl_c():
    proc, line = _start("--port", "0", "--seed", "3")
    try:
        assert {"server_url", "username", "password"} <= set(line)
        r = requests.post(f"{line['server_url']}/esa/api/v2.0/login", timeout=5, json={"data": {
            "userName": "YWRtaW4=", "passphrase": base64.b64encode(line["password"].encode()).decode()}})
        assert r.status_code == 200 and r.json()["data"]["role"] == "Administrator"
    finally:
        out, err = _stop(proc)
    assert proc.returncode == 0
    assert out == "" and "Traceback" not in err


def _simulator_help_actions():
    sub = next(a for a in build_parser()._actions if getattr(a, "choices", None) and "simulator" in a.choices)
    return [a for a in sub.choices["simulator"]._actions if a.option_strings and "--help" not in a.option_strings]


def test_cli_simulator_help_explains_every_option(capsys):
    try:
        main(["simulator", "--help"])
        raise AssertionError("--help exits")
    except SystemExit as exc:
        assert exc.code == 0
    text = " ".join(capsys.readouterr().out.split())
    actions = _simulator_help_actions()
    assert {a.option_strings[0] for a in actions} == OPTIONS
    for action in actions:
        assert action.help and len(action.help) > 20, action.option_strings
        # each option is listed with its explanation beside it
        assert re.search(re.escape(action.option_strings[0]) + r"\b[^-]*?" + re.escape(" ".join(action.help.split())),
                         text), action.option_strings
    assert "JSON line" in text and "Ctrl-C" in text


def _count_rows(url, password, path, page, extra):
    now = datetime.now(timezone.utc)
    window = {"startDate": (now - timedelta(days=4)).strftime("%Y-%m-%dT%H:%M:00.000Z"),
              "endDate": (now + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:00.000Z")}
    total, offset = 0, 0
    while True:
        r = requests.get(f"{url}/esa/api/v2.0/{path}", auth=("admin", password), timeout=10,
                         params={**window, **extra, "offset": offset, "limit": page})
        r.raise_for_status()
        rows = len(r.json()["data"])
        total += rows
        if rows < page:
            return total
        offset += page


def test_cli_simulator_events_sizes_tracking_and_quarantine():
    proc, line = _start("--events", "250", "--seed", "4")
    try:
        url, password = line["server_url"], line["password"]
        assert _count_rows(url, password, "message-tracking/messages", 100, {}) == 250
        assert _count_rows(url, password, "quarantine/messages", 10, {"quarantineType": "spam"}) == 25
    finally:
        _stop(proc)
    assert proc.returncode == 0


def test_cli_simulator_port_taken_one_line_exit_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = subprocess.run(CLI + ["--port", str(port)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr == (f"cisco-esa: error: 127.0.0.1:{port} is already in use: choose another --port, "
                        f"or --port 0 for a free one\n")


_WITHOUT_TRUSTME = "import sys; sys.modules['trustme'] = None; from cisco_esa.cli import main; sys.exit(main({}))"


def test_cli_simulator_tls_without_trustme_names_the_extra_exit_2():
    r = subprocess.run([sys.executable, "-c", _WITHOUT_TRUSTME.format(["simulator", "--tls"])],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr == "cisco-esa: error: TLS needs the trustme package: pip install 'cisco-esa-soar[tls]'\n"


def test_cli_demo_and_plain_simulator_need_no_trustme():
    r = subprocess.run([sys.executable, "-c", _WITHOUT_TRUSTME.format(["demo"])],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "All steps succeeded." in r.stdout
    code = ("import sys, urllib.request; sys.modules['trustme'] = None\n"
            "from esa_simulator import Simulator\n"
            "with Simulator(tracking_count=10, quarantine_count=1) as sim:\n"
            "    req = urllib.request.Request(sim.url + '/esa/api/v2.0/health', headers={'Authorization': 'Basic '\n"
            "        + __import__('base64').b64encode(f'admin:{sim.password}'.encode()).decode()})\n"
            "    print(urllib.request.urlopen(req, timeout=5).status)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stdout) == (0, "200\n"), r.stderr
