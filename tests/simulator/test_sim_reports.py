"""Reporting endpoints (reference §9)."""

import pytest

from esa_simulator.reports import GROUP_NAMES, INCOMING_COUNTERS

DAY = {"startDate": "2024-05-19T12:00:00.000Z", "endDate": "2024-05-20T12:00:00.000Z", "device_type": "esa"}
START, END = 1716120000, 1716206400


def _report(api, path, **params):
    r = api.get(f"reporting/{path}", dict(DAY, **params))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["meta"] == {"totalCount": -1}
    return body["data"]


def test_incoming_traffic_summary_has_26_counters_matching_the_world(api, esa):
    data = _report(api, "mail_incoming_traffic_summary")
    assert data["type"] == "mail_incoming_traffic_summary"
    rs = data["resultSet"]
    assert [next(iter(x)) for x in rs] == INCOMING_COUNTERS and len(rs) == 26
    values = {k: v for x in rs for k, v in x.items()}
    incoming = [r for r in esa.world.tracking if START <= r["_ts"] < END and r["direction"] == "incoming"]
    spam = sum(len(r["recipient"]) for r in incoming if r["spamPositive"] or r["suspectSpam"])
    assert values["detected_spam"] == spam
    assert values["detected_spam"] == values["detected_spam_certain"] + values["detected_spam_suspect"]
    blocked = sum(c[k] for h, per in esa.world.rejections.items() if START <= h < END for c in per.values()
                  for k in ("blocked_reputation", "blocked_invalid_recipient", "blocked_sdr", "blocked_dmarc"))
    assert values["total_recipients"] == sum(len(r["recipient"]) for r in incoming) + blocked
    assert values["total_recipients"] == (values["total_clean_recipients"] + values["total_threat_recipients"]
                                          + values["total_graymail_recipients"])


def test_counts_are_per_hour_and_add_up(api):
    whole = {k: v for x in _report(api, "mail_incoming_traffic_summary")["resultSet"] for k, v in x.items()}
    first = _report(api, "mail_incoming_traffic_summary", endDate="2024-05-20T00:00:00.000Z")["resultSet"]
    second = _report(api, "mail_incoming_traffic_summary", startDate="2024-05-20T00:00:00.000Z")["resultSet"]
    a = {k: v for x in first for k, v in x.items()}
    b = {k: v for x in second for k, v in x.items()}
    assert all(whole[k] == a[k] + b[k] for k in whole)


def test_single_counter_is_an_object(api):
    data = _report(api, "mail_incoming_traffic_summary/detected_spam")
    assert set(data["resultSet"]) == {"detected_spam"} and isinstance(data["resultSet"]["detected_spam"], int)
    assert api.get("reporting/mail_incoming_traffic_summary/no_such_counter", DAY).status_code == 404


def test_detail_group_top_order_and_filter(api, esa):
    data = _report(api, "mail_incoming_domain_detail/total_recipients", top=3)
    rows = data["resultSet"]["total_recipients"]
    assert len(rows) == 3 and all(len(x) == 1 for x in rows)
    values = [next(iter(x.values())) for x in rows]
    assert values == sorted(values, reverse=True)
    domain = next(iter(rows[0]))
    expected = sum(len(r["recipient"]) for r in esa.world.tracking
                   if START <= r["_ts"] < END and r["direction"] == "incoming" and r["senderDomain"] == domain)
    assert rows[0][domain] == expected
    filtered = _report(api, "mail_incoming_domain_detail", filterBy="domain", filterOperator="is",
                       filterValue=domain)["resultSet"]
    assert filtered["total_recipients"] == [{domain: expected}]
    begins = _report(api, "mail_incoming_domain_detail/total_recipients", filterOperator="begins_with",
                     filterValue=domain[:3])["resultSet"]["total_recipients"]
    assert begins and all(next(iter(x)).startswith(domain[:3]) for x in begins)
    asc = _report(api, "mail_incoming_domain_detail/total_recipients", orderBy="total_recipients",
                  orderDir="asc")["resultSet"]["total_recipients"]
    vals = [next(iter(x.values())) for x in asc]
    assert vals == sorted(vals)


def test_policy_groups_and_reporting_system(api):
    pol = _report(api, "mail_policy_incoming")["resultSet"]
    assert set(pol) == {"recipients_matched"} and any("DEFAULT" in x for x in pol["recipients_matched"])
    system = _report(api, "reporting_system")["resultSet"]
    assert [next(iter(x)) for x in system] == ["begin_time", "end_time", "heartbeat", "centralized_reporting_enabled",
                                               "centralized_reporting_expired"]


@pytest.mark.parametrize("group", GROUP_NAMES)
def test_every_counter_group_is_accepted(api, group):
    assert _report(api, group)["type"] == group


def test_unknown_group_is_404_with_appliance_body(api):
    r = api.get("reporting/mail_no_such_group", DAY)
    assert r.status_code == 404
    assert set(r.json()["error"]) == {"message", "code", "explanation"}


@pytest.mark.parametrize("bad", ["2024-05-19T12:30:00.000Z", "2024-05-19T12:00:05.000Z", "2024-05-19T12:00Z",
                                 "2024-05-19"])
def test_report_dates_must_be_whole_hours(api, bad):
    r = api.get("reporting/mail_incoming_traffic_summary", dict(DAY, startDate=bad))
    assert r.status_code == 400
    assert "startDate" in r.json()["error"]["message"]


def test_plus_offset_variant_is_accepted(api):
    q = "startDate=2024-05-19T12:00%2B00:00&endDate=2024-05-20T12:00+00:00&device_type=esa"
    r = api.session.get(api.base + "reporting/mail_incoming_traffic_summary?" + q, timeout=5)
    assert r.status_code == 200
    assert r.json() == api.get("reporting/mail_incoming_traffic_summary", DAY).json()


def test_missing_report_dates_and_device_type(api):
    assert api.get("reporting/mail_incoming_traffic_summary", {"device_type": "esa"}).status_code == 404
    assert api.get("reporting/mail_incoming_traffic_summary", dict(DAY, device_type="wsa")).status_code == 400


def test_sma_device_name_narrows_the_report(sma_api, sma):
    host = sma.world.hosts[0]
    whole = _report(sma_api, "mail_incoming_traffic_summary/total_recipients")["resultSet"]["total_recipients"]
    one = _report(sma_api, "mail_incoming_traffic_summary/total_recipients", device_name=host["hostName"],
                  device_group_name="Hosted_Cluster")["resultSet"]["total_recipients"]
    assert 0 < one < whole
