"""Our own appliance answers (tests/fixtures/<capture>.json, values written by us) stand in for the
published captures, which a user's clone lacks: one per capture name, each in the capture's shape
(the same keys and value types, recursively), checked whenever the captures are present."""

from __future__ import annotations

import json

import pytest

from tests.scenarios.common import CAPTURES, FIXTURES, fixture

NAMES = sorted(p.stem for p in FIXTURES.glob("*.json"))
PROTOCOL_ONLY = {"esa_spam_quarantine_message_delete", "esa_spam_quarantine_message_delete_failed",
                 "sma_spam_quarantine_message_release"}


def shape(value):
    """Keys and JSON types, recursively. Keys that are message ids (`{"780": ...}`) are one key; a
    list is the set of its elements' shapes."""
    if isinstance(value, dict):
        return {("<mid>" if k.isdigit() else k): shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return ["list", sorted({json.dumps(shape(v), sort_keys=True) for v in value})]
    return {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}[type(value)]


def differences(theirs, ours, where="$") -> list[str]:
    if isinstance(theirs, dict) and isinstance(ours, dict):
        out = [f"{where}: key {k} missing" for k in theirs if k not in ours]
        out += [f"{where}: key {k} not in the capture" for k in ours if k not in theirs]
        return out + [d for k in theirs if k in ours for d in differences(theirs[k], ours[k], f"{where}.{k}")]
    if isinstance(theirs, list) and isinstance(ours, list) and theirs[0] == ours[0] == "list":
        # an empty list in a capture says nothing about its elements
        return [] if not theirs[1] or theirs[1] == ours[1] else [f"{where}[*]: elements {ours[1]} != {theirs[1]}"]
    return [] if theirs == ours else [f"{where}: {ours} != {theirs}"]


def test_fixtures_one_per_capture_name_and_each_is_an_appliance_answer():
    assert len(NAMES) == 23
    for name in NAMES:
        body = fixture(f"{name}.json")
        assert isinstance(body, dict) and "data" in body, name


@pytest.mark.skipif(not CAPTURES.is_dir(), reason="reference captures not available: they live in "
                    "../shared/reference/captures beside the repository, which a user's clone does not have (CI has them)")
def test_fixtures_cover_every_capture_name():
    assert sorted(p.stem for p in CAPTURES.glob("*.json")) == NAMES


@pytest.mark.skipif(not CAPTURES.is_dir(), reason="reference captures not available: they live in "
                    "../shared/reference/captures beside the repository, which a user's clone does not have (CI has them)")
@pytest.mark.parametrize("name", NAMES)
def test_fixtures_have_the_capture_shape(name):
    theirs = json.loads((CAPTURES / f"{name}.json").read_text())
    ours = fixture(f"{name}.json")
    assert differences(shape(theirs), shape(ours)) == []
    # our own values, never the capture's; the one-line action answers hold nothing but the protocol's words
    assert ours != theirs or name in PROTOCOL_ONLY


def test_fixtures_shape_check_catches_a_missing_key_and_a_changed_type():
    theirs = shape({"data": [{"mid": [1], "subject": "x"}], "meta": {"totalCount": 1}})
    assert differences(theirs, shape({"data": [{"mid": [2], "subject": "y"}], "meta": {"totalCount": 5}})) == []
    found = differences(theirs, shape({"data": [{"mid": 2, "subject": "y"}], "meta": {}}))
    assert len(found) == 2 and "$.meta: key totalCount missing" in found
    assert any(d.startswith("$.data[*]: elements") for d in found)
    assert differences(shape({"a": []}), shape({"a": ["x"]})) == []  # an empty capture list: any elements
