"""Golden samples: sample_outputs/<command_id>.json is the envelope of a real run against the
simulator, written by the tests with --regen-golden and compared otherwise."""

from __future__ import annotations

import json
import re

from cisco_esa.core import resources

# The simulator listens on a free port; the sample shows a fixed one.
_PORT = re.compile(r"(127\.0\.0\.1|localhost):\d+")


def normalize(envelope: dict) -> dict:
    text = json.dumps(envelope, sort_keys=True, ensure_ascii=False)
    return json.loads(_PORT.sub(r"\1:6080", text))


def check_golden(envelope: dict, regen: bool) -> None:
    path = resources.SAMPLE_OUTPUTS / f"{envelope['command']}.json"
    actual = normalize(envelope)
    if regen or not path.exists():
        path.write_text(json.dumps(actual, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        if not regen:
            raise AssertionError(f"{path.name} did not exist; written now, run again to compare")
        return
    expected = json.loads(path.read_text())
    assert actual == expected, f"{path.name} drifted from the code; rerun with --regen-golden if intended"
