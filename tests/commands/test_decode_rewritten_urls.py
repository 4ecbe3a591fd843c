"""Decode Rewritten URLs: offline (no connection, no request), the test vectors of ext §17.3,
nested rewrites, a literal query string, soft line breaks, and links that cannot be decoded."""

from __future__ import annotations

import pytest

from cisco_esa.integration import Integration
from tests.conftest import FROZEN_NOW
from tests.golden import check_golden
from tests.scenarios.common import failure, mocked

CMD, DISPLAY = "decode_rewritten_urls", "Decode Rewritten URLs"


def offline() -> Integration:
    return Integration({}, clock=lambda: FROZEN_NOW)  # no connection at all


@pytest.mark.parametrize("url, expected, rounds", [
    ("https://secure-web.cisco.com/1AbC-dEf_Gh/https%3A%2F%2Flogin.phish.example%2Fverify%3Fid%3D42",
     "https://login.phish.example/verify?id=42", 1),
    ("secure-web.cisco.com/1Zz9/http%3A%2F%2F192.0.2.10%3A8080%2F", "http://192.0.2.10:8080/", 1),
    # the encoded part is not the last segment, and the query string is literal (§17.1 edge case)
    ("https://secure-web.cisco.com/1Tok/https%3A%2F%2Fapp.example%2Fapi/send.jsp?to=1&x=2",
     "https://app.example/api/send.jsp?to=1&x=2", 1),
    ("https://secure-web.cisco.com/1Out/https%3A%2F%2Fsecure-web.cisco.com%2F1In%2Fhttps%253A%252F%252Fevil.example%252F",
     "https://evil.example/", 2),
    ("HTTP://Secure-Web.Cisco.COM/1Q/https%3A%2F%2Fa.example%2Fx%2By", "https://a.example/x+y", 1),  # '+' stays
    ("https://secure-web.cisco.com/1Q/https%3A%2F%2Fa.exa=\r\nmple%2F", "https://a.example/", 1),  # soft break
    ("https://secure-web.cisco.com/1Q/https%3A%2F%2Fa.example%2F#top", "https://a.example/#top", 1),
])
def test_decode_rewritten_urls_vectors_decode_offline(requests_mock, url, expected, rounds):
    envelope = offline().run(CMD, {"urls": [url]})
    assert envelope["status"] == "Successful", envelope["error"]
    assert envelope["data"]["urls"][0]["decoded_url"] == expected
    assert envelope["data"]["urls"][0]["rounds"] == rounds
    assert requests_mock.call_count == 0


def test_decode_rewritten_urls_mixed_list_is_partial_with_reasons(requests_mock, regen_golden):
    urls = ["https://secure-web.cisco.com/1AbC-dEf_Gh/https%3A%2F%2Flogin.phish.example%2Fverify%3Fid%3D42",
            "https://login.phish.example/verify",
            "https://secure-web.cisco.com/1OnlyToken",
            "https://secure-web.cisco.com/1Tok/ftp%3A%2F%2Ffiles.example%2F"]
    envelope = offline().run(CMD, {"urls": urls})
    assert envelope["status"] == "Partially Successful"
    assert [i["status"] for i in envelope["items"]] == ["Successful", "Failed", "Failed", "Failed"]
    reasons = [f["reason"] for f in envelope["data"]["failed"]]
    assert reasons == [
        "not a Cisco-rewritten link (the host is login.phish.example, not secure-web.cisco.com)",
        "nothing follows the token: the link holds no original URL",
        "the part after the token does not decode to an http(s) URL ('ftp://files.example/')"]
    assert envelope["items"][1]["error"] == failure(
        DISPLAY, 400, "https://login.phish.example/verify cannot be decoded: not a Cisco-rewritten link "
                      "(the host is login.phish.example, not secure-web.cisco.com).")
    assert envelope["data"]["counts"] == {"requested": 4, "decoded": 1, "failed": 3}
    assert requests_mock.call_count == 0
    check_golden(envelope, regen_golden)


def test_decode_rewritten_urls_nested_too_deep_fails_that_link():
    inner = "https%3A%2F%2Fevil.example%2F"
    url = inner
    for _ in range(6):
        url = "https://secure-web.cisco.com/1T/" + url.replace("%", "%25") if url != inner else \
            "https://secure-web.cisco.com/1T/" + url
    envelope = offline().run(CMD, {"urls": [url]})
    assert envelope["status"] == "Failed"
    assert envelope["data"]["failed"][0]["reason"] == "rewritten more than 5 times over"


def test_decode_rewritten_urls_with_a_connection_still_sends_nothing(requests_mock):
    envelope = mocked("esa").run(CMD, {"urls": "https://secure-web.cisco.com/1T/https%3A%2F%2Fa.example%2F"})
    assert envelope["status"] == "Successful" and requests_mock.call_count == 0


def test_decode_rewritten_urls_duplicates_are_one_item():
    url = "https://secure-web.cisco.com/1T/https%3A%2F%2Fa.example%2F"
    envelope = offline().run(CMD, {"urls": [url, url]})
    assert [i["id"] for i in envelope["items"]] == [url]


@pytest.mark.parametrize("params, problem", [
    ({}, "urls"),
    ({"urls": []}, "urls"),
    ({"urls": "x", "extra": 1}, "extra"),
])
def test_decode_rewritten_urls_invalid_input_is_400(requests_mock, params, problem):
    envelope = offline().run(CMD, params)
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400
    assert problem in envelope["error"]["message"]
    assert requests_mock.call_count == 0


def test_decode_rewritten_urls_other_commands_still_need_a_connection():
    envelope = offline().run("get_health", {})
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400
    assert "server_url" in envelope["error"]["message"]
