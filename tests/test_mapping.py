"""Tests of the Fetch Event field mappings and the mapping engine (contract §5).

The property tests hold the engine's closures for plain paths, and whole mappings, to
jsonpath-ng's own find() on generated events and paths, odd shapes included."""

from __future__ import annotations

import collections
import copy
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonpath_ng
import jsonpath_ng.jsonpath
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cisco_esa.fetch.mapping import (
    ABSENT,
    Mapping,
    MappingConfigError,
    MappingEngine,
    UnmappableEventError,
    compile_path,
    load_mappings,
)
from tests.scenarios.common import SOURCES, answer

ROOT = Path(__file__).resolve().parents[1]
MAPPINGS = ROOT / "field_mappings"

TRACKING_FIELDS = [
    "Document ID", "Message ID", "Sender", "Host Name", "Sender IP", "Direction", "Subject",
    "Message Status", "Mail Policy", "Serial Number", "Recipient", "TimeStamp",
]
QUARANTINE_FIELDS = [
    "Document ID", "Message ID", "Date", "Envelope Recipient", "To Address", "From Address",
    "Subject",
]


@pytest.fixture(scope="module")
def engine() -> MappingEngine:
    return load_mappings(MAPPINGS)


def _capture_rows(name: str, source_type: str, source: str = "capture") -> list[dict]:
    rows = answer(source, name)["data"]
    for row in rows:
        row["sourceType"] = source_type  # what fetch_event adds (contract §3)
    return rows


def _same(a, b) -> bool:
    # repr tells True from 1 and 1.0 from 1, and shows key order: == would not.
    return type(a) is type(b) and repr(a) == repr(b)


def _jsonpath_ng(path: str, document):
    """What jsonpath-ng's find() yields for a plain path, by contract §5: the node for keys
    and indices, the list of matches once a `[*]` is in the path, ABSENT for no match."""
    matches = jsonpath_ng.parse("$" + path if path.startswith((".", "[")) else path).find(document)
    if not matches:
        return ABSENT
    return [m.value for m in matches] if "[*]" in path else matches[0].value


def _reference_map(mapping: Mapping, event) -> dict:
    out = {}
    for f in mapping.fields:
        value = _jsonpath_ng(f.path, event)
        if value is not ABSENT:
            out[f.name] = value
    return out


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text))
    return path


# ----------------------------------------------------------------------------- loading


def test_load_mappings_both_files_load_with_spec_paths(engine):
    # one file each, in file-name order; the PVO quarantine's is ours, beyond the spec
    assert [m.source for m in engine.mappings] == ["messageTracking", "pvoQuarantine", "spamQuarantine"]
    assert [m.display_name for m in engine.mappings] == ["Message Tracking", "PVO Quarantine", "Spam Quarantine"]
    assert engine.main_event_path == "$.data"
    tracking, _pvo, quarantine = engine.mappings
    assert tracking.search_string == "{$.sourceType}=messageTracking"
    assert quarantine.search_string == "{$.sourceType}=spamQuarantine"
    assert [(f.name, f.path) for f in tracking.fields] == [
        ("Document ID", ".attributes.mid[0]"),
        ("Message ID", ".attributes.mid[0]"),
        ("Sender", ".attributes.sender"),
        ("Host Name", ".attributes.hostName"),
        ("Sender IP", ".attributes.senderIp"),
        ("Direction", ".attributes.direction"),
        ("Subject", ".attributes.subject"),
        ("Message Status", ".attributes.messageStatus"),
        ("Mail Policy", ".attributes.mailPolicy[*]"),
        ("Serial Number", ".attributes.serialNumber"),
        ("Recipient", ".attributes.recipient[*]"),
        ("TimeStamp", ".attributes.timestamp"),
    ]
    assert [(f.name, f.path) for f in quarantine.fields] == [
        ("Document ID", ".mid"),
        ("Message ID", ".mid"),
        ("Date", ".attributes.date"),
        ("Envelope Recipient", ".attributes.envelopeRecipient"),
        ("To Address", ".attributes.toAddress[*]"),
        ("From Address", ".attributes.fromAddress[*]"),
        ("Subject", ".attributes.subject"),
    ]


def test_load_mappings_field_names_are_exactly_the_specs(engine):
    assert [f.name for f in engine.mapping("messageTracking").fields] == TRACKING_FIELDS
    assert [f.name for f in engine.mapping("spamQuarantine").fields] == QUARANTINE_FIELDS


def test_load_mappings_every_spec_path_runs_on_the_fast_accessor(engine):
    assert all(f.fast for m in engine.mappings for f in m.fields)
    assert all(m.search_path.fast and m.search_path.singular for m in engine.mappings)
    assert engine.main_path.fast


def test_load_mappings_of_plain_paths_never_imports_jsonpath_ng():
    # Start-up: jsonpath-ng is imported only for a path the closures do not cover.
    code = ("import sys; from cisco_esa.fetch.mapping import load_mappings; "
            f"load_mappings({str(MAPPINGS)!r}); print('jsonpath_ng' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_mapping_lookup_by_source_or_display_name_any_case(engine):
    assert engine.mapping("Message Tracking").source == "messageTracking"
    assert engine.mapping("spam quarantine").source == "spamQuarantine"
    assert engine.mapping("SPAMQUARANTINE").display_name == "Spam Quarantine"
    with pytest.raises(KeyError):
        engine.mapping("Reports")


GOOD = """\
    source: {source}
    display_name: {display}
    main_event_path: "$.data"
    search_string: "{{$.sourceType}}={source}"
    fields:
      - {{name: Document ID, path: ".mid"}}
      - {{name: Subject, path: "{subject_path}"}}
"""


def _good(source="x", display="X", subject_path=".attributes.subject") -> str:
    return textwrap.dedent(GOOD).format(source=source, display=display, subject_path=subject_path)


def test_load_mappings_schema_error_names_file_and_field(tmp_path):
    _write(tmp_path, "ok.yaml", _good())
    bad = _write(tmp_path, "bad.yaml", """\
        source: y
        display_name: Y
        main_event_path: "$.data"
        search_string: "{$.sourceType}=y"
        fields:
          - {name: Sender, path: 42}
          - {name: Recipient}
    """)
    with pytest.raises(MappingConfigError) as info:
        load_mappings(tmp_path)
    err = info.value
    assert err.file == str(bad)
    assert err.field == "Sender"
    message = str(err)
    assert str(bad) in message
    # Every problem is in the one message, each naming its field.
    assert "fields[0].path (field 'Sender'): 42 is not of type 'string'" in message
    assert "fields[1] (field 'Recipient'): 'path' is a required property" in message


@pytest.mark.parametrize("text,problem", [
    ("- source: x\n- fields: []\n", "(document): [{'source': 'x'}, {'fields': []}] is not of type 'object'"),
    ("just text\n", "(document): 'just text' is not of type 'object'"),
    ("", "(document): None is not of type 'object'"),
    ("42\n", "(document): 42 is not of type 'object'"),
])
def test_load_mappings_top_level_type_error_names_the_file(tmp_path, text, problem):
    bad = _write(tmp_path, "bad.yaml", text)
    with pytest.raises(MappingConfigError) as info:
        load_mappings(tmp_path)
    assert info.value.file == str(bad) and info.value.field is None
    assert str(info.value) == f"{bad}: invalid field mapping:\n  {problem}"


@pytest.mark.parametrize("fields,problem", [
    ("{Sender: .attributes.sender}", "fields (field 'fields'): {'Sender': '.attributes.sender'} is not of type 'array'"),
    ("[[.attributes.sender]]", "fields[0] (field 'fields[0]'): ['.attributes.sender'] is not of type 'object'"),
    (".attributes.sender", "fields (field 'fields'): '.attributes.sender' is not of type 'array'"),
])
def test_load_mappings_fields_of_the_wrong_type_name_file_and_field(tmp_path, fields, problem):
    text = _good().split("fields:")[0] + f"fields: {fields}\n"
    bad = _write(tmp_path, "bad.yaml", text)
    with pytest.raises(MappingConfigError) as info:
        load_mappings(tmp_path)
    assert info.value.file == str(bad)
    assert str(info.value) == f"{bad}: invalid field mapping:\n  {problem}"


def test_load_mappings_bad_path_fails_at_load_naming_file_and_field(tmp_path):
    bad = _write(tmp_path, "bad.yaml", _good(subject_path=".attributes.subject["))
    with pytest.raises(MappingConfigError) as info:
        load_mappings(tmp_path)
    assert info.value.file == str(bad)
    assert info.value.field == "Subject"
    assert str(bad) in str(info.value) and "'Subject'" in str(info.value)
    assert ".attributes.subject[" in str(info.value)


def test_load_mappings_bad_search_path_fails_at_load(tmp_path):
    _write(tmp_path, "bad.yaml", _good().replace("{$.sourceType}", "{$.source[}"))
    with pytest.raises(MappingConfigError) as info:
        load_mappings(tmp_path)
    assert info.value.field == "search_string"


def test_load_mappings_yaml_syntax_error_names_file(tmp_path):
    bad = _write(tmp_path, "bad.yaml", "source: [unclosed\n")
    with pytest.raises(MappingConfigError) as info:
        load_mappings(tmp_path)
    assert info.value.file == str(bad) and str(bad) in str(info.value)


def test_load_mappings_duplicate_field_name_fails(tmp_path):
    _write(tmp_path, "dup.yaml", _good() + '  - {name: Subject, path: ".attributes.date"}\n')
    with pytest.raises(MappingConfigError) as info:
        load_mappings(tmp_path)
    assert info.value.field == "Subject" and "twice" in str(info.value)


def test_load_mappings_search_string_not_selecting_source_fails(tmp_path):
    _write(tmp_path, "x.yaml", _good().replace("}=x", "}=other"))
    with pytest.raises(MappingConfigError) as info:
        load_mappings(tmp_path)
    assert info.value.field == "search_string"


def test_load_mappings_different_main_event_paths_fail(tmp_path):
    _write(tmp_path, "a.yaml", _good("a", "A"))
    _write(tmp_path, "b.yaml", _good("b", "B").replace('"$.data"', '"$.events"'))
    with pytest.raises(MappingConfigError) as info:
        load_mappings(tmp_path)
    assert info.value.field == "main_event_path"


def test_load_mappings_duplicate_source_fails(tmp_path):
    _write(tmp_path, "a.yaml", _good("a", "A"))
    _write(tmp_path, "b.yaml", _good("a", "B"))
    with pytest.raises(MappingConfigError) as info:
        load_mappings(tmp_path)
    assert info.value.field == "source"


def test_load_mappings_empty_directory_fails(tmp_path):
    with pytest.raises(MappingConfigError):
        load_mappings(tmp_path)


def test_load_mappings_unknown_key_fails(tmp_path):
    _write(tmp_path, "a.yaml", _good() + "extra: 1\n")
    with pytest.raises(MappingConfigError) as info:
        load_mappings(tmp_path)
    assert "extra" in str(info.value)


# ----------------------------------------------------------------------------- mapping


def test_map_event_esa_tracking_fixture_row_maps_to_spec_fields(engine):
    row = _capture_rows("esa_message_search.json", "messageTracking", "ours")[0]
    assert engine.source_for(row) is engine.mapping("messageTracking")
    assert engine.map_event(row) == {
        "Document ID": 5012,
        "Message ID": 5012,
        "Sender": "billing@invoice-docs.example",
        "Host Name": "",
        "Sender IP": "203.0.113.45",
        "Direction": "incoming",
        "Subject": "Invoice 88213 overdue",
        "Message Status": {"5012": "Quarantined by Anti-Spam/Graymail"},
        "Mail Policy": ["INBOUND_DEFAULT"],
        "Serial Number": "5A3C9E21B7D04F1A8E62-0C4D7F19A2B3",
        "Recipient": ["maria.lopez@corp.example"],
        "TimeStamp": "03 Nov 2026 09:41:17 (GMT +00:00)",
    }
    assert type(engine.map_event(row)["Document ID"]) is int


def test_map_event_esa_tracking_row_maps_to_spec_fields(engine):
    row = _capture_rows("esa_message_search.json", "messageTracking")[0]
    assert engine.source_for(row) is engine.mapping("messageTracking")
    assert engine.map_event(row) == {
        "Document ID": 780,
        "Message ID": 780,
        "Sender": "test@test.com",
        "Host Name": "",
        "Sender IP": "1.1.1.1",
        "Direction": "incoming",
        "Subject": "test",
        "Message Status": {"780": "Quarantined by Anti-Spam/Graymail"},
        "Mail Policy": ["DEFAULT"],
        "Serial Number": "123123-123123",
        "Recipient": ["test@test.com"],
        "TimeStamp": "20 Sep 2022 14:54:50 (GMT +00:00)",
    }
    assert type(engine.map_event(row)["Document ID"]) is int


@pytest.mark.parametrize("source", SOURCES)
def test_map_event_sma_tracking_rows_match_jsonpath_ng(engine, source):
    rows = _capture_rows("sma_message_search.json", "messageTracking", source)
    mapping = engine.mapping("messageTracking")
    for row in rows:
        mapped = engine.map_event(row)
        assert list(mapped) == TRACKING_FIELDS
        assert mapped["Document ID"] == row["attributes"]["mid"][0]
        assert mapped["Recipient"] == row["attributes"]["recipient"]
        assert mapped["Host Name"] == row["attributes"]["hostName"] != ""  # SMA names the ESA
        assert _same(mapped, _reference_map(mapping, row))


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("capture", ["esa_spam_quarantine_message_search.json",
                                     "sma_spam_quarantine_message_search.json"])
def test_map_event_quarantine_rows_map_to_spec_fields(engine, capture, source):
    rows = _capture_rows(capture, "spamQuarantine", source)
    for row in rows:
        mapped = engine.map_event(row)
        assert list(mapped) == QUARANTINE_FIELDS
        a = row["attributes"]
        assert mapped == {
            "Document ID": row["mid"],
            "Message ID": row["mid"],
            "Date": a["date"],
            "Envelope Recipient": a["envelopeRecipient"],  # no [*]: the array itself
            "To Address": a["toAddress"],
            "From Address": a["fromAddress"],
            "Subject": a["subject"],
        }
        assert type(mapped["Document ID"]) is int


def test_map_event_esa_quarantine_fixture_first_row_values(engine):
    row = _capture_rows("esa_spam_quarantine_message_search.json", "spamQuarantine", "ours")[0]
    assert engine.map_event(row) == {
        "Document ID": 5012,
        "Message ID": 5012,
        "Date": "03 Nov 2026 09:42 (GMT +00:00)",
        "Envelope Recipient": ["maria.lopez@corp.example"],
        "To Address": ["Maria Lopez <maria.lopez@corp.example>, Accounts <accounts@corp.example>"],
        "From Address": ["Billing Desk <billing@invoice-docs.example>"],
        "Subject": "Invoice 88213 overdue",
    }


def test_map_event_esa_quarantine_first_row_values(engine):
    row = _capture_rows("esa_spam_quarantine_message_search.json", "spamQuarantine")[0]
    assert engine.map_event(row) == {
        "Document ID": 783,
        "Message ID": 783,
        "Date": "20 Sep 2022 15:13 (GMT +00:00)",
        "Envelope Recipient": ["test@test.com"],
        "To Address": [
            "test@test.com <test@test.com>, test@test.com <test@test.com>, test@test.com <test@test.com>"
        ],
        "From Address": ["Test Test <test@test.com>"],
        "Subject": "new new",
    }


@pytest.mark.parametrize("source", SOURCES)
def test_main_events_of_capture_document_are_its_data_rows(engine, source):
    document = answer(source, "esa_message_search.json")
    assert engine.main_events(document) == document["data"]
    assert engine.main_events({"meta": {}}) == []
    assert engine.main_events({"data": {"single": 1}}) == [{"single": 1}]


def test_map_event_absent_sources_leave_fields_out(engine):
    event = {"sourceType": "messageTracking",
             "attributes": {"mid": [], "recipient": [], "mailPolicy": "DEFAULT", "sender": None}}
    # Empty arrays yield no match; [*] on a string yields nothing; None is a value.
    assert engine.map_event(event) == {"Sender": None}


def test_map_event_wildcard_on_object_yields_its_values(engine):
    event = {"sourceType": "messageTracking", "attributes": {"recipient": {"780": "a@x"}}}
    assert engine.map_event(event) == {"Recipient": ["a@x"]}


def test_map_events_unknown_source_and_non_objects_are_failures_rest_go_on(engine):
    good = {"sourceType": "spamQuarantine", "mid": 7}
    mapped, failures = engine.map_events(
        [good, {"sourceType": "reports"}, "text", {"mid": 1}, None, good]
    )
    assert mapped == [{"Document ID": 7, "Message ID": 7}] * 2
    assert [i for i, _ in failures] == [1, 2, 3, 4]
    assert "no event source selects this event" in failures[0][1]
    assert failures[1][1] == "event is a str, not an object"
    assert engine.source_for({"sourceType": "reports"}) is None
    with pytest.raises(UnmappableEventError):
        engine.map_event({"sourceType": "reports"})


def test_map_events_an_exception_in_one_event_is_a_failure(engine):
    class Exploding(dict):
        def get(self, *args):
            raise RuntimeError("boom")

    mapped, failures = engine.map_events([Exploding(sourceType="spamQuarantine"),
                                          {"sourceType": "spamQuarantine", "mid": 1},
                                          {"sourceType": "messageTracking", "attributes": Exploding()}])
    assert mapped == [{"Document ID": 1, "Message ID": 1}]
    # As in jsonpath-ng, a value's own get() is called, under a shared key too.
    assert failures == [(0, "RuntimeError: boom"), (2, "RuntimeError: boom")]

    class Picky(dict):
        def get(self, *args):
            raise TypeError("no")

    # ...and a TypeError from it means no such field, as jsonpath-ng's Fields has it.
    event = {"sourceType": "messageTracking", "attributes": Picky(sender="a@x")}
    assert engine.map_event(event) == {} == _reference_map(engine.mapping("messageTracking"), event)


def test_search_string_compares_json_scalars_by_their_json_text():
    m = Mapping("n", "N", Path("n.yaml"), "$.data", "{$.kind}=5",
                compile_path("$.kind", "search_string"), "5", (compile_path(".mid", "Document ID"),))
    assert m.matches({"kind": 5}) and m.matches({"kind": "5"})
    assert not m.matches({"kind": 5.5}) and not m.matches({"kind": [5]}) and not m.matches({})


def test_source_for_picks_the_first_file_whose_search_string_selects_the_event():
    def source(name, value, path="$.kind"):
        return Mapping(name, name, Path(f"{name}.yaml"), "$.data", f"{{{path}}}={value}",
                       compile_path(path, "search_string"), value, (compile_path(".mid", "Document ID"),))

    data = compile_path("$.data")
    # One search path for all (a table picks the source) or several (a scan): the same answers.
    for five, true, again in [(source("a", "5"), source("b", "true"), source("c", "5")),
                              (source("a", "5"), source("b", "true", "$['kind']"), source("c", "5", ".kind"))]:
        engine = MappingEngine((five, true, again), "$.data", data)
        assert engine.source_for({"kind": 5}) is five and engine.source_for({"kind": "5"}) is five
        assert engine.source_for({"kind": True}) is true and engine.source_for({"kind": "true"}) is true
        for other in ({"kind": [5]}, {"kind": 5.5}, {"kind": None}, {}, {"kind": {"5": 5}}):
            assert engine.source_for(other) is None, other
        with pytest.raises(UnmappableEventError, match=r"\(\{\$\.kind\}=5, "):
            engine.map_event({"kind": 6})


def test_map_event_ignores_jsonpath_ng_auto_id_global(engine, monkeypatch):
    # The closures never read jsonpath-ng's globals; for the spec's paths (none names an
    # `id` field) jsonpath-ng with auto ids on still agrees.
    monkeypatch.setattr(jsonpath_ng.jsonpath, "auto_id_field", "id")
    event = {"sourceType": "messageTracking", "attributes": {"sender": "a@x", "recipient": ["b@x"]}}
    mapping = engine.mapping("messageTracking")
    assert engine.map_event(event) == {"Sender": "a@x", "Recipient": ["b@x"]}
    assert _same(engine.map_event(event), _reference_map(mapping, event))


# ----------------------------------------------------------------------------- properties

KEYS = ["attributes", "mid", "sender", "hostName", "senderIp", "direction", "subject",
        "messageStatus", "mailPolicy", "serialNumber", "recipient", "timestamp", "date",
        "envelopeRecipient", "toAddress", "fromAddress", "sourceType", "a", "b", "0", "*"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=False),
    st.text(max_size=6), st.sampled_from(["", "780", "messageTracking", "spamQuarantine"]),
)


def _containers(children):
    return st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(st.sampled_from(KEYS) | st.integers(-2, 2), children, max_size=5),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=3).map(collections.OrderedDict),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=3).map(collections.UserDict),
    )


junk = st.recursive(scalars, _containers, max_leaves=12)


def _maybe(strategy):
    # The right shape most of the time, odd shapes and absence the rest.
    return st.one_of(strategy, strategy, junk)


tracking_attributes = st.fixed_dictionaries({}, optional={
    "mid": _maybe(st.lists(st.integers(0, 10**6), max_size=3)),
    "sender": _maybe(st.emails()),
    "hostName": _maybe(st.text(max_size=8)),
    "senderIp": _maybe(st.ip_addresses().map(str)),
    "direction": _maybe(st.sampled_from(["incoming", "outgoing"])),
    "subject": _maybe(st.text(max_size=10)),
    "messageStatus": _maybe(st.dictionaries(st.text(max_size=4), st.text(max_size=6), max_size=2)),
    "mailPolicy": _maybe(st.lists(st.text(max_size=6), max_size=3)),
    "serialNumber": _maybe(st.text(max_size=10)),
    "recipient": _maybe(st.lists(st.emails(), max_size=3)),
    "timestamp": _maybe(st.text(max_size=10)),
    "junk": junk,
})

quarantine_attributes = st.fixed_dictionaries({}, optional={
    "date": _maybe(st.text(max_size=10)),
    "envelopeRecipient": _maybe(st.lists(st.emails(), max_size=2)),
    "toAddress": _maybe(st.lists(st.text(max_size=10), max_size=3)),
    "fromAddress": _maybe(st.lists(st.text(max_size=10), max_size=3)),
    "subject": _maybe(st.text(max_size=10)),
    "size": junk,
})

events = st.one_of(
    st.fixed_dictionaries(
        {"sourceType": st.just("messageTracking")},
        optional={"attributes": _maybe(tracking_attributes), "extra": junk},
    ),
    st.fixed_dictionaries(
        {"sourceType": st.just("spamQuarantine")},
        optional={"attributes": _maybe(quarantine_attributes), "mid": _maybe(st.integers(0, 10**6))},
    ),
    # The other source's shape, a missing or odd sourceType, or no object at all.
    st.fixed_dictionaries({}, optional={
        "sourceType": junk, "attributes": _maybe(tracking_attributes | quarantine_attributes),
        "mid": junk,
    }),
    junk,
)

PROPERTY = settings(max_examples=400, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(event=events)
def test_property_every_field_fast_accessor_equals_jsonpath_ng(engine, event):
    before = copy.deepcopy(event)
    for mapping in engine.mappings:
        for f in mapping.fields:
            assert _same(f.get(event), _jsonpath_ng(f.path, event)), (mapping.source, f.name)
        assert _same(mapping.map(event), _reference_map(mapping, event)), mapping.source
    assert _same(event, before)  # mapping never changes the raw event


@PROPERTY
@given(event=events)
def test_property_map_event_equals_jsonpath_ng_of_the_selected_source(engine, event):
    expected_source = None
    for mapping in engine.mappings:
        matches = _jsonpath_ng(mapping.search_path.path, event) if isinstance(event, dict) else ABSENT
        if matches is not ABSENT and matches == mapping.search_value and type(matches) is str:
            expected_source = mapping
            break
    assert engine.source_for(event) is expected_source
    if expected_source is None:
        with pytest.raises(UnmappableEventError):
            engine.map_event(event)
    else:
        assert _same(engine.map_event(event), _reference_map(expected_source, event))


@st.composite
def simple_paths(draw, min_size=1):
    steps = draw(st.lists(
        st.one_of(
            st.sampled_from(KEYS[:5] + ["a", "b", "_x", "A9"]).map(lambda k: f".{k}"),
            st.integers(-3, 3).map(lambda i: f"[{i}]"),
            st.just("[*]"),
        ),
        min_size=min_size, max_size=5,
    ))
    text = "".join(steps)
    return text if text and draw(st.booleans()) else "$" + text


@PROPERTY
@given(path=simple_paths(min_size=0), document=junk)
def test_property_generated_simple_paths_equal_jsonpath_ng(path, document):
    f = compile_path(path, "f")
    assert f.fast and f.singular is ("[*]" not in path)
    assert _same(f.get(document), _jsonpath_ng(path, document)), path


# Fields that begin with the same key share its lookup in Mapping.map: a few prefixes make
# runs of them likely, with other paths between and odd values under the shared key.
grouped_paths = st.tuples(st.sampled_from(["", ".a", ".attributes", ".a.b"]), simple_paths(min_size=0)).map(
    lambda t: t[0] + t[1].lstrip("$") or "$")


@PROPERTY
@given(paths=st.lists(grouped_paths | simple_paths(), min_size=1, max_size=6),
       document=junk | st.fixed_dictionaries({}, optional={"a": junk, "attributes": junk}))
def test_property_mapping_of_generated_paths_equals_jsonpath_ng(paths, document):
    fields = tuple(compile_path(p, f"f{i}") for i, p in enumerate(paths))
    mapping = Mapping("g", "G", Path("g.yaml"), "$.data", "{$.sourceType}=g",
                      compile_path("$.sourceType"), "g", fields)
    assert _same(mapping.map(document), _reference_map(mapping, document)), paths


def test_non_simple_paths_fall_back_to_jsonpath_ng():
    document = {"a": [{"b": 1}, {"b": 2}, {"c": {"b": 3}}], "x": 1, "y": 2, "0": "zero", "x-y": [4]}
    for path, expected in [("$..b", [1, 2, 3]), ("$.a[0:2].b", [1, 2]), ("$.x,y", [1, 2]),
                           ("$.a.*.b", [1, 2]), ("$.a[0,1].b", [1, 2])]:
        f = compile_path(path)
        assert not f.fast and not f.singular
        assert f.get(document) == expected
    # Quoted and dashed names are jsonpath-ng's to read, and yield the node itself.
    for path, expected in [(".'0'", "zero"), ("$['0']", "zero"), ('$."x-y"[0]', 4), ("$.x-y", [4])]:
        f = compile_path(path)
        assert not f.fast and f.singular
        assert f.get(document) == expected
    assert compile_path("$").get(document) is document
    assert compile_path("$.a[*].b").get(document) == [1, 2]
    assert compile_path("$.a[-1].c.b").get(document) == 3
    assert compile_path("$.a[5]").get(document) is ABSENT
    assert compile_path("$.a[*].c.b").get(document) == [3]
    assert compile_path("$.a[*].z").get(document) is ABSENT


@pytest.mark.parametrize("path", ["$.where", ".attributes.wherenot", "$.a.", "$.a[", "$[*", ""])
def test_compile_path_rejects_what_jsonpath_ng_rejects(path):
    with pytest.raises(Exception) as ours:
        compile_path(path)
    with pytest.raises(Exception) as theirs:
        jsonpath_ng.parse("$" + path if path.startswith((".", "[")) else path)
    assert type(ours.value) is type(theirs.value)


@PROPERTY
@given(paths=st.lists(st.sampled_from(["$..b", "$.a[0:2].b", "$.a.*.b", "$.a[*].b", "$.a[-1].c.b", "$.x,y", ".a",
                                       ".a[1]", ".a[*]"]), min_size=1, max_size=5),
       document=junk | st.fixed_dictionaries({}, optional={"a": junk, "x": junk, "y": junk}))
def test_property_mapping_with_paths_only_jsonpath_ng_reads_equals_their_fields(paths, document):
    # Such a field calls its own Field.get (jsonpath-ng's find) from the generated function, among
    # the inline ones: the mapping is what each field's get says.
    fields = tuple(compile_path(p, f"f{i}") for i, p in enumerate(paths))
    mapping = Mapping("g", "G", Path("g.yaml"), "$.data", "{$.sourceType}=g",
                      compile_path("$.sourceType"), "g", fields)
    expected = {f.name: f.get(document) for f in fields if f.get(document) is not ABSENT}
    assert _same(mapping.map(document), expected), paths


def test_mapping_names_and_keys_reach_the_generated_code_as_constants_only():
    odd = ["x'}\n__import__('os').system('false') #", "def", "c0", "ABSENT", 'a"b', "event"]
    fields = tuple(compile_path(f".{key}", name) for name, key in zip(odd, ["def", "c0", "ABSENT", "event", "_keys_of", "a"]))
    mapping = Mapping("g", "G", Path("g.yaml"), "$.data", "{$.sourceType}=g",
                      compile_path("$.sourceType"), "g", fields)
    document = {"def": 1, "c0": 2, "ABSENT": 3, "event": 4, "_keys_of": 5, "a": 6}
    assert mapping.map(document) == dict(zip(odd, [1, 2, 3, 4, 5, 6]))
    assert _same(mapping.map(document), _reference_map(mapping, document))
    for text in odd[:1] + ['a"b']:
        assert text not in mapping.map.source
    assert mapping.map({}) == {}


def test_generated_mapping_reads_a_shared_key_path_once():
    # every tracking field lies under .attributes: the generated code looks it up once
    source = load_mappings(MAPPINGS).mapping("messageTracking").map.source
    assert source.count(".get if type(event) is dict") == 1 and source.count("g_event(") == 1


def test_mapping_of_no_fields_maps_every_event_to_nothing():
    mapping = Mapping("g", "G", Path("g.yaml"), "$.data", "{$.sourceType}=g", compile_path("$.sourceType"), "g", ())
    assert mapping.map({"a": 1}) == {} and mapping.map(None) == {}


def test_generated_mapping_reads_every_spec_path_inline():
    # a path of keys, then at most one [n] or [*], is inline code; only a longer tail (PVO's
    # `.attributes.quarantineForReasonDict[*].quarantineName`) calls its closure
    for mapping in load_mappings(MAPPINGS).mappings:
        longer = [f for f in mapping.fields if len([s for s in f.steps if s[0] is None]) > 1
                  or any(s[0] is not None for s in f.steps[next((i for i, s in enumerate(f.steps) if s[0] is None),
                                                                len(f.steps)):])]
        calls = re.findall(r"= c\d+\(event\)", mapping.map.source)
        assert len(calls) == len(longer), (mapping.source, [f.path for f in longer])
    assert len(re.findall(r"= c\d+\(event\)", load_mappings(MAPPINGS).mapping("pvoQuarantine").map.source)) == 1
