"""The simulated message-tracking extras (asyncos-api-extension §15): rejected connections
(`searchOption=rejected_connections`), connection details by ICID, and remediation batches.

Both details endpoints answer without a `data` wrapper, as the sources show them, and take the
Swagger's camelCase parameter names as well as the snake_case ones one client sends (ext §19 point 6).
World helpers for tests: ``world.extras.rejected`` (rows, oldest first), ``world.extras.batches``
((serial, mid) -> batch), ``world.extras.pick_rejected()``, ``world.extras.pick_remediated()``."""

from __future__ import annotations

import random

from .request import ApiError, first

PAGE_MAX = 100
HOUR = 3600
BAD_IPS = ("203.0.113.66", "203.0.113.67", "198.51.100.201", "192.0.2.250", "203.0.113.9")


def _either(qs: dict, *names: str):
    for name in names:
        value = first(qs, name)
        if value not in (None, ""):
            return value
    return None


def _int(raw, name):
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ApiError(400, f"Invalid {name} '{raw}': expected an integer.") from None


class TrackingExtras:
    def __init__(self, world):
        self.world = world
        rng = random.Random(f"cisco-esa-simulator:extras:{world.appliance}:{world.seed}")
        self.rejected: list[dict] = []
        icid = 5_000_000 + rng.randrange(1, 1000)
        first = world.now_epoch - 3 * 86400
        for host in world.hosts:
            count = max(4, world.tracking_count // 60)
            for n in range(count):
                # a fifth in the last two hours, so a recent window has some
                ts = rng.randrange(world.now_epoch - 2 * HOUR if n < count // 5 else first, world.now_epoch)
                icid += rng.randrange(1, 40)
                ip = rng.choice(BAD_IPS)
                sbrs = round(rng.uniform(-10, -3.1), 1)
                group = "BLOCKED_LIST" if sbrs < -5 or ip == BAD_IPS[0] else "SUSPECTLIST"
                self.rejected.append({"_ts": ts, "_host": host, "hostName": host["hostName"], "icid": icid,
                                      "senderIp": ip, "sbrs": str(sbrs), "senderGroup": group,
                                      "messageStatus": "Rejected", "rejected": f"REJECT SG {group}",
                                      "serialNumber": host["serialNumber"]})
        self.rejected.sort(key=lambda r: (r["_ts"], r["icid"]))
        # remediation batches for the phishing messages and a few URL messages (ext §15.3)
        self.batches: dict[tuple[str, int], dict] = {}
        chosen = [r for r in world.tracking if r["category"] == "phish"]
        chosen += [r for r in world.tracking if r["category"] == "url"][-3:]
        for n, rec in enumerate(chosen):
            start = rec["_ts"] + 600 + rng.randrange(0, 1200)
            batch = {"batch_details": {"b_init_username": "soc_analyst", "mor_action": "Delete", "b_init_time": start,
                                       "batch_name": f"remediate-{rec['mid'][0]}", "batch_desc": "N/A",
                                       "b_init_source": f"ESA {rec['_host']['hostName'].split('.')[0]}"},
                     "message_details": [{"delivered_at": rec["_ts"], "mid": str(rec["mid"][0]), "from_email": rec["sender"],
                                          "recipient_email": r, "mor_status": "Failed" if (n + i) % 4 == 3 else "Success",
                                          "msg_read": "N/A" if (n + i) % 4 == 3 else str(i % 2)}
                                         for i, r in enumerate(rec["recipient"])]}
            for mid in rec["mid"]:
                self.batches[(rec["serialNumber"], mid)] = batch

    # ------------------------------------------------------------ helpers for tests
    def pick_rejected(self, sender_ip: str | None = None) -> dict | None:
        for row in reversed(self.rejected):
            if sender_ip is None or row["senderIp"] == sender_ip:
                return self.rejected_row(row)
        return None

    def pick_remediated(self) -> tuple[str, int] | None:
        return next(iter(sorted(self.batches)), None)

    def rejected_row(self, row: dict) -> dict:
        attrs = {k: v for k, v in row.items() if not k.startswith("_")}
        attrs["timestamp"] = row["_host"]["zone"].display(row["_ts"])
        return {"attributes": attrs}

    # ------------------------------------------------------------ the API
    def search_rejected(self, qs: dict, start: int, end: int, offset: int, limit: int) -> dict:
        ip = first(qs, "senderIp")
        host = first(qs, "ciscoHost")
        rows = [r for r in reversed(self.rejected) if start <= r["_ts"] < end
                and (not ip or r["senderIp"] == ip)
                and (host in (None, "", "All_Hosts") or host in (r["hostName"], r["serialNumber"]))]
        page = [self.rejected_row(r) for r in rows[offset:offset + limit]]
        # like tracking: totalCount counts this page (§1.4)
        return {"meta": {"num_bad_records": 0, "totalCount": len(page)}, "data": page}

    def connection_details(self, qs: dict) -> dict:
        serial = _either(qs, "serialNumber", "sma_serial_number", "serial_number")
        icid_raw = _either(qs, "icid")
        mid_raw = _either(qs, "mid")
        if not serial:
            raise ApiError(400, "Missing attribute - serialNumber.")
        if icid_raw is None and mid_raw is None:
            raise ApiError(400, "Missing attribute - icid or mid.")
        icid = _int(icid_raw, "icid") if icid_raw is not None else None
        mid = _int(mid_raw, "mid") if mid_raw is not None else None
        world = self.world
        with world._lock:
            rec = world.find_tracking(serial, mid) if mid is not None else None
            if rec is None and icid is not None:
                rec = next((r for r in world.tracking if r["serialNumber"] == serial
                            and (r["icid"] == icid or icid in r["allIcid"])), None)
            if rec is not None and icid is not None and icid != rec["icid"] and icid not in rec["allIcid"]:
                rec = None
            if rec is not None:
                zone, t = rec["_host"]["zone"], rec["_ts"] - 1
                events = [
                    {"timestamp": zone.display(t), "description": f"ICID {rec['icid']} sender_group: {rec['senderGroup']} "
                     f"sender_ip: {rec['senderIp']}, sbrs: {rec['sbrs']}", "lastEvent": False},
                    {"timestamp": zone.display(t), "description": f"Protocol SMTP interface Data 1 (IP {rec['_host']['ip']}) "
                     f"on incoming connection (ICID {rec['icid']}) from sender IP {rec['senderIp']}. Reverse DNS host "
                     f"{rec['reverseDns']} verified yes.", "lastEvent": False},
                    {"timestamp": zone.display(t + 2), "description": f"ICID {rec['icid']} close", "lastEvent": True}]
                return {"senderGroup": rec["senderGroup"], "sbrs": str(rec["sbrs"]), "messages": {"summary": events}}
            row = next((r for r in self.rejected if r["serialNumber"] == serial and r["icid"] == icid), None) \
                if mid is None else None
            if row is not None:
                zone = row["_host"]["zone"]
                events = [{"timestamp": zone.display(row["_ts"]), "description": f"ICID {row['icid']} {row['rejected']} "
                           f"match sbrs[-10.0:-3.0] SBRS {row['sbrs']} sender_ip: {row['senderIp']}", "lastEvent": False},
                          {"timestamp": zone.display(row["_ts"]), "description": f"ICID {row['icid']} close",
                           "lastEvent": True}]
                return {"senderGroup": row["senderGroup"], "sbrs": row["sbrs"], "messages": {"summary": events}}
        # not-found behaviour is unknown (ext §15.3): a 200 with empty content, as §3 does
        return {"senderGroup": "N/A", "sbrs": "N/A", "messages": {"summary": []}}

    def remediation_details(self, qs: dict) -> dict:
        serial = _either(qs, "serialNumber", "sma_serial_number", "serial_number")
        mids = [p.strip() for v in qs.get("mid", []) for p in v.split(",") if p.strip()]
        if not serial:
            raise ApiError(400, "Missing attribute - serialNumber.")
        if not mids:
            raise ApiError(400, "Missing attribute - mid.")
        batch = None
        for raw in mids:
            batch = batch or self.batches.get((serial, _int(raw, "mid")))
        if batch is None:
            return {"batch_details": {}, "message_details": []}
        return {"batch_details": dict(batch["batch_details"]),
                "message_details": [dict(m) for m in batch["message_details"]]}
