"""What every configuration command (extension §16) is tested for: the golden run against the
simulator and the same run through the CLI, the exact requests (device_type always, mode only
when a cluster is configured), an AsyncOS release without the API, an SMA connection, an
appliance error, the read-only role for writes, and invalid input that sends nothing. A test
module subclasses ConfigScenarios as Test<Command> and sets the class attributes."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests_mock as rm

from cisco_esa import cli
from tests.golden import check_golden, normalize
from tests.scenarios.common import BASIC, SERVER, failure, mocked

BASE = f"{SERVER}/esa/api/v2.0/config"
FEATURE_NAMES = {"sender_groups": "HAT sender group", "dictionaries": "dictionary", "url_lists": "URL list",
                 "file_hash_lists": "file hash list", "incoming_mail_policies": "incoming mail policy users",
                 "message_filters": "message filter"}


def written(message="Updated Successfully", warning=None) -> dict:
    body = {"data": {"message": message}}
    if warning:
        body["meta"] = {"warning": warning}
    return body


def error_body(status: int, message: str) -> dict:
    return {"error": {"message": message, "code": str(status), "explanation": f"{status} = error."}}


def config_calls(sim) -> list[dict]:
    return [e for e in sim.request_log if "/config/" in e["path"]]


def run_cli(capsys, sim, command: str, params: dict, user: str = "admin") -> tuple[int, dict]:
    conn = sim.connection(user)
    code = cli.main(["run", command, "--params-json", json.dumps(params), "--server-url", conn["server_url"],
                     "--username", conn["username"], "--password", conn["password"], "--appliance", "esa"])
    out, _err = capsys.readouterr()
    return code, json.loads(out)


class ConfigScenarios:
    command: str
    display: str
    feature: str                 # the config/<feature> path the command uses
    params: dict                 # valid input for the simulator's seeded configuration
    writes: bool = False
    # the request-shape test: (method, path below config/, [answers in order]) to mock, and the
    # requests expected in order as (method, path below config/, JSON body or None)
    mocks: list = []
    expected: list = []
    invalid: list = []           # (params, text the 400 message names)

    # ------------------------------------------------------------ helpers
    def triplet(self, status, message) -> dict:
        return failure(self.display, status, message)

    def mock(self, m) -> None:
        for method, path, answers in self.mocks:
            m.register_uri(method, f"{BASE}/{path}", [
                {"json": a} if not isinstance(a, tuple) else {"status_code": a[0], "json": a[1]} for a in answers])

    def check_run(self, envelope: dict, sim) -> None:
        """The command's own assertions on the golden run (a subclass adds its own)."""

    # ------------------------------------------------------------ the scenarios
    def test_golden_run_against_the_simulator(self, sim, integration, regen_golden):
        envelope = integration.run(self.command, self.params)
        check_golden(envelope, regen_golden)
        assert envelope["status"] == "Successful", envelope["error"]
        assert all(e["query"].startswith("device_type=esa") and "mode=" not in e["query"] for e in config_calls(sim))
        self.check_run(envelope, sim)

    def test_cli_run_is_the_golden_envelope(self, sim, capsys, regen_golden):
        if regen_golden:
            pytest.skip("the golden sample is being written by the other test")
        code, envelope = run_cli(capsys, sim, self.command, self.params)
        assert code == 0
        from cisco_esa.core import resources
        assert normalize(envelope) == json.loads((resources.SAMPLE_OUTPUTS / f"{self.command}.json").read_text())

    def test_request_shape_standalone_has_no_mode(self):
        with rm.Mocker() as m:
            self.mock(m)
            envelope = mocked().run(self.command, self.params)
            history = m.request_history
        assert envelope["status"] == "Successful", envelope["error"]
        assert [(r.method, urlsplit(r.url).path.split("/config/", 1)[1], r.json() if r.body else None)
                for r in history] == self.expected
        assert all(urlsplit(r.url).query == "device_type=esa" for r in history)
        assert all(r.headers.get("Content-Type") == "application/json" for r in history if r.body)

    @pytest.mark.parametrize("mode, extra", [
        ("cluster", {"mode": ["cluster"]}),
        ("group", {"mode": ["group"], "group_name": ["Main_Group"]}),
        ("machine", {"mode": ["machine"], "host_name": ["esa1.corp.example"]}),
    ])
    def test_request_shape_cluster_mode_is_sent_when_configured(self, mode, extra):
        conn = {**BASIC, "cluster_mode": mode, "cluster_group": "Main_Group", "cluster_host": "esa1.corp.example"}
        from cisco_esa.integration import Integration
        from tests.conftest import FROZEN_NOW
        with rm.Mocker() as m:
            self.mock(m)
            envelope = Integration(conn, clock=lambda: FROZEN_NOW).run(self.command, self.params)
            history = m.request_history
        assert envelope["status"] == "Successful", envelope["error"]
        # requests_mock's r.qs lower-cases values: read the query as sent
        assert history and all(parse_qs(urlsplit(r.url).query) == {"device_type": ["esa"], **extra} for r in history)

    def test_cluster_mode_against_a_clustered_simulator(self, sim):
        sim.config.clustered(groups=("Main_Group",))
        from cisco_esa.integration import Integration
        from tests.conftest import FROZEN_NOW
        conn = sim.connection(cluster_mode="group", cluster_group="Main_Group")
        envelope = Integration(conn, clock=lambda: FROZEN_NOW).run(self.command, self.params)
        assert envelope["status"] == "Successful", envelope["error"]
        assert all("mode=group&group_name=Main_Group" in e["query"] for e in config_calls(sim))

    def test_older_asyncos_without_the_api_says_so(self, sim, integration):
        sim.config.without(self.feature)
        before = sim.config.snapshot()
        envelope = integration.run(self.command, self.params)
        message = f"This AsyncOS release has no {FEATURE_NAMES[self.feature]} API (config/{self.feature} answered 404)."
        assert envelope["status"] == "Failed"
        assert envelope["error"] == self.triplet(404, message)
        assert all(i["status"] == "Failed" for i in envelope["items"])
        assert sim.config.snapshot() == before

    def test_sma_connection_is_refused_without_a_request(self):
        with rm.Mocker() as m:
            envelope = mocked("sma").run(self.command, self.params)
            assert m.call_count == 0
        assert envelope["status"] == "Failed"
        assert envelope["error"] == self.triplet(
            None, "The configuration APIs exist on an ESA only; this connection is to an SMA.")

    def test_appliance_error_fails_with_its_message(self):
        method, path, _answers = self.mocks[0]
        with rm.Mocker() as m:
            m.register_uri(method, f"{BASE}/{path}", status_code=500, json=error_body(500, "Internal error: boom."))
            envelope = mocked().run(self.command, self.params)
            assert m.call_count == 1
        assert envelope["status"] == "Failed"
        assert envelope["error"] == self.triplet(500, "Internal error: boom.")

    def test_readonly_role_cannot_write(self, sim):
        if not self.writes:
            pytest.skip("a read")
        from cisco_esa.integration import Integration
        from tests.conftest import FROZEN_NOW
        before = sim.config.snapshot()
        envelope = Integration(sim.connection("readonly"), clock=lambda: FROZEN_NOW).run(self.command, self.params)
        # values already as asked stay Successful; every one that needed the write fails with the 403
        assert envelope["status"] in ("Failed", "Partially Successful")
        assert envelope["error"]["status_code"] == 403
        assert envelope["error"]["message"].startswith("User does not have privileges to access this resource.")
        assert all(i["error"] == envelope["error"] for i in envelope["items"] if i["status"] == "Failed")
        assert sim.config.snapshot() == before

    def test_invalid_input_fails_400_without_a_request(self):
        for params, named in self.invalid:
            with rm.Mocker() as m:
                envelope = mocked().run(self.command, params)
                assert m.call_count == 0, params
            assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400, params
            assert named in envelope["error"]["message"], (named, envelope["error"]["message"])
