"""Download PVO Quarantine Attachments: files written safely (no escape from output_dir, no
overwrite), base64 decoded with a raw fallback, names from Content-Disposition (quoted or RFC 5987),
the body pseudo-part skipped, size and SHA-256 reported, bytes never in the envelope."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from tests.golden import check_golden
from tests.scenarios.common import SERVER, failure, mocked

CMD, DISPLAY = "download_pvo_quarantine_attachments", "Download PVO Quarantine Attachments"
DETAILS = f"{SERVER}/esa/api/v2.0/quarantine/messages/details"
ATTACHMENT = f"{SERVER}/esa/api/v2.0/quarantine/messages/attachment"
ZIP = b"PK\x03\x04 not really a zip \x00\xff"


def details(parts=(("[message body]", "0.1K"), ("invoice_4471.zip", "1K"))):
    return {"data": {"mid": 88213, "attributes": {
        "quarantineDetails": [{"quarantineName": "Virus"}], "messageDetails": {},
        "messagePartDetails": [{"attachmentId": i + 1, "attachmentName": n, "attachmentSize": s}
                               for i, (n, s) in enumerate(parts)]}}}


def test_download_pvo_quarantine_attachments_writes_each_file_with_its_hash(integration, sim, tmp_path, monkeypatch,
                                                                            regen_golden):
    monkeypatch.chdir(tmp_path)  # the default output_dir, and a path that does not vary
    held = sim.world.pvo.pick(quarantine="Virus", attachments=True)
    envelope = integration.run(CMD, {"quarantine_message_id": held["mid"]})
    assert envelope["status"] == "Successful", envelope["error"]
    files = envelope["data"]["files"]
    assert [(f["name"], f["size"], f["sha256"]) for f in files] == \
        [(a["name"], a["size"], a["sha256"]) for a in held["attachments"]]
    for f in files:
        assert hashlib.sha256((tmp_path / f["path"]).read_bytes()).hexdigest() == f["sha256"]
    assert envelope["data"]["skipped"] == [1]  # the [message body] pseudo-part
    # the bytes never travel in the envelope, neither decoded nor as base64
    text = json.dumps(envelope)
    data = (tmp_path / files[0]["path"]).read_bytes()
    assert base64.b64encode(data).decode()[:40] not in text
    check_golden(envelope, regen_golden)


def test_download_pvo_quarantine_attachments_never_overwrites(integration, sim, tmp_path):
    held = sim.world.pvo.pick(quarantine="Virus", attachments=True)
    name = held["attachments"][0]["name"]
    (tmp_path / name).write_bytes(b"mine")
    envelope = integration.run(CMD, {"quarantine_message_id": held["mid"], "output_dir": str(tmp_path)})
    stem, _, ext = name.rpartition(".")
    assert envelope["data"]["files"][0]["name"] == f"{stem} (1).{ext}"
    assert (tmp_path / name).read_bytes() == b"mine"


def test_download_pvo_quarantine_attachments_unknown_part_and_body_part(integration, sim, tmp_path):
    held = sim.world.pvo.pick(quarantine="Virus", attachments=True)
    envelope = integration.run(CMD, {"quarantine_message_id": held["mid"], "attachment_ids": "1, 99",
                                     "output_dir": str(tmp_path)})
    assert envelope["status"] == "Partially Successful"
    assert envelope["items"][1] == {"id": 99, "status": "Failed", "error": failure(
        DISPLAY, 404, f"Attachment 99 is not a part of message ID {held['mid']}.")}
    # asked for by id, the body part is downloaded like any other
    assert envelope["data"]["files"][0]["attachment_id"] == 1
    assert not [e for e in sim.request_log if "attachmentId=99" in e["query"]]


def test_download_pvo_quarantine_attachments_unknown_message_fails(integration, tmp_path):
    envelope = integration.run(CMD, {"quarantine_message_id": 5, "output_dir": str(tmp_path)})
    assert envelope["error"] == failure(DISPLAY, 404, "Message ID 5 not found.")


@pytest.mark.parametrize("disposition, written", [
    ('attachment; filename="../../etc/passwd"', "passwd"),
    ('attachment; filename="..\\\\..\\\\win.ini"', "win.ini"),
    ("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%20final.pdf", "résumé final.pdf"),
    ('attachment; filename="fallback.pdf"; filename*=UTF-8\'\'na%C3%AFve.pdf', "naïve.pdf"),
    ('attachment; filename=".bashrc"', "bashrc"),
    ('attachment; filename="CON.txt"', "_CON.txt"),
    ('attachment; filename="a\\r\\nb.txt"', "arnb.txt"),
    ("attachment", "invoice_4471.zip"),  # no name in the header: the details' name
    (None, "invoice_4471.zip"),
])
def test_download_pvo_quarantine_attachments_names_are_made_safe(requests_mock, tmp_path, disposition, written):
    requests_mock.get(DETAILS, json=details())
    headers = {"Content-Type": "text/plain"} | ({"Content-Disposition": disposition} if disposition else {})
    requests_mock.get(ATTACHMENT, content=base64.b64encode(ZIP), headers=headers)
    envelope = mocked("esa").run(CMD, {"quarantine_message_id": 88213, "output_dir": str(tmp_path)})
    assert envelope["status"] == "Successful", envelope["error"]
    f = envelope["data"]["files"][0]
    assert f["name"] == written and (tmp_path / written).read_bytes() == ZIP
    assert [p.name for p in tmp_path.iterdir()] == [written]


def test_download_pvo_quarantine_attachments_request_shape_and_raw_fallback(requests_mock, tmp_path):
    requests_mock.get(DETAILS, json=details())
    requests_mock.get(ATTACHMENT, content=ZIP, headers={"Content-Disposition": 'attachment; filename="x.zip"'})
    envelope = mocked("esa").run(CMD, {"quarantine_message_id": 88213, "output_dir": str(tmp_path)})
    first, second = requests_mock.request_history
    assert first.qs == {"mid": ["88213"], "quarantinetype": ["pvo"]}
    assert second.qs == {"mid": ["88213"], "attachmentid": ["2"], "quarantinetype": ["pvo"]}
    assert second.headers["Accept"] == "*/*"
    f = envelope["data"]["files"][0]
    assert f["base64"] is False and f["size"] == len(ZIP) and f["sha256"] == hashlib.sha256(ZIP).hexdigest()
    assert envelope["raw_data"]["attachments"] == [{"attachment_id": 2, "status": 200, "bytes": len(ZIP),
                                                    "content_type": None,
                                                    "content_disposition": 'attachment; filename="x.zip"'}]


def test_download_pvo_quarantine_attachments_error_answer_fails_the_item(requests_mock, tmp_path):
    requests_mock.get(DETAILS, json=details())
    requests_mock.get(ATTACHMENT, status_code=500, json={"error": {"message": "Attachment unavailable."}})
    envelope = mocked("esa").run(CMD, {"quarantine_message_id": 88213, "output_dir": str(tmp_path)})
    assert envelope["items"] == [{"id": 2, "status": "Failed", "error": failure(DISPLAY, 500, "Attachment unavailable.")}]
    assert list(tmp_path.iterdir()) == []


def test_download_pvo_quarantine_attachments_size_is_bounded(requests_mock, tmp_path):
    requests_mock.get(DETAILS, json=details())
    requests_mock.get(ATTACHMENT, content=base64.b64encode(b"x" * (1024 * 1024 + 1)))
    envelope = mocked("esa").run(CMD, {"quarantine_message_id": 88213, "output_dir": str(tmp_path), "max_size_mb": 1})
    assert envelope["status"] == "Failed" and "larger than max_size_mb (1 MiB)" in envelope["error"]["message"]
    assert list(tmp_path.iterdir()) == []


def test_download_pvo_quarantine_attachments_missing_folder_sends_nothing(requests_mock, tmp_path):
    envelope = mocked("esa").run(CMD, {"quarantine_message_id": 88213, "output_dir": str(tmp_path / "nope")})
    assert envelope["error"]["status_code"] == 400 and "output_dir" in envelope["error"]["message"]
    assert requests_mock.call_count == 0
