"""Field names and JSON types of the simulator's answers equal those of real appliance captures.

The captures live beside the repository (../shared/reference/captures); the test skips without them.
"""

import json

import pytest

from .conftest import Api
from tests.scenarios.common import CAPTURES

pytestmark = pytest.mark.skipif(not CAPTURES.is_dir(), reason="reference captures not available")
WINDOW = {"startDate": "2024-05-20T11:00:00.000Z", "endDate": "2024-05-20T12:00:00.000Z"}


def _types(obj, path=""):
    out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            key = "<mid>" if k.isdigit() else k
            out[f"{path}.{key}"] = type(v).__name__
            out.update(_types(v, f"{path}.{key}"))
    elif isinstance(obj, list) and obj:
        out.update(_types(obj[0], f"{path}[]"))
    return out


def _answers(sim):
    api = Api(sim)
    w = sim.world
    amp, dlp, url = w.pick_amp_message(), w.pick_dlp_message(), w.pick_url_message()

    def det(kind, rec):
        return api.get(f"message-tracking/{kind}", {"serialNumber": rec["serialNumber"], "mid": rec["mid"][0]})

    return {
        "message_search": api.get("message-tracking/messages", WINDOW),
        "message_details_get": det("details", amp),
        "message_amp_details_get": det("amp-details", amp),
        "message_dlp_details_get": det("dlp-details", dlp),
        "message_url_details_get": det("url-details", url),
        "spam_quarantine_message_search": api.get("quarantine/messages", dict(WINDOW, quarantineType="spam")),
        "spam_quarantine_message_get": api.get("quarantine/messages/details",
                                               {"quarantineType": "spam", "mid": w.pick_quarantine_mid()}),
        "report_get": api.get("reporting/mail_incoming_traffic_summary",
                              {"startDate": "2024-05-20T00:00:00.000Z", "endDate": "2024-05-20T12:00:00.000Z"}),
        "list_entry_get_blocklist": api.get("quarantine/blocklist", {"action": "view"}),
        "list_entry_get_safelist": api.get("quarantine/safelist", {"action": "view"}),
        "spam_quarantine_message_release": api.post("quarantine/messages", {
            "action": "release", "quarantineType": "spam", "mids": [w.pick_quarantine_mid()]}),
        "spam_quarantine_message_delete": api.delete("quarantine/messages", {
            "quarantineType": "spam", "mids": [w.pick_quarantine_mid()]}),
    }


@pytest.mark.parametrize("appliance", ["esa", "sma"])
def test_answers_have_the_captured_shapes(appliance, esa, sma):
    sim = esa if appliance == "esa" else sma
    answers = _answers(sim)
    compared = 0
    for name, resp in answers.items():
        path = CAPTURES / f"{appliance}_{name}.json"
        if not path.exists():
            continue
        want, got = _types(json.loads(path.read_text())), _types(resp.json())
        # SMA prints "" for no attachments; whether a given message has any is data, not shape
        diff = {k: (want.get(k), got.get(k)) for k in set(want) | set(got)
                if want.get(k) != got.get(k) and not k.endswith(".attachments")}
        assert diff == {}, name
        compared += 1
    assert compared >= 7
    sim.reset()
