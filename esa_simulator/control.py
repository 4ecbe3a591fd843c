"""The `/_simulator/` control path: tests and scripts steer a running simulator over HTTP
(no auth, not in the request log). Datetimes in JSON bodies are ISO-8601 strings."""

from __future__ import annotations

from datetime import datetime


def _when(value):
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def _add_tracking(sim, data):
    if "timestamp" in data:
        data["timestamp"] = _when(data["timestamp"])
    return sim.add_tracking_message(**data)


def _add_quarantine(sim, data):
    if "date" in data:
        data["date"] = _when(data["date"])
    return sim.add_quarantine_message(**data)


def _clear_faults(sim, data):
    sim.clear_faults()
    return {"cleared": True}


def _expire_tokens(sim, data):
    sim.expire_tokens()
    return {"expired": True}


def _clear_log(sim, data):
    sim.clear_log()
    return {"cleared": True}


def _reset(sim, data):
    sim.reset()
    return {"reset": True}


def _old_format(sim, data):
    sim.set_old_format(bool(data.get("enabled", True)))
    return {"old_format": sim.old_format}


# (action, method) -> function(simulator, JSON body) -> the answer's "data"
ACTIONS = {
    ("faults", "POST"): lambda sim, data: sim.inject(**data).as_dict(),
    ("faults", "DELETE"): _clear_faults,
    ("faults", "GET"): lambda sim, data: sim.faults.pending(),
    ("expire-tokens", "POST"): _expire_tokens,
    ("tracking", "POST"): _add_tracking,
    ("quarantine", "POST"): _add_quarantine,
    ("requests", "GET"): lambda sim, data: sim.request_log,
    ("requests", "DELETE"): _clear_log,
    ("reset", "POST"): _reset,
    ("old-format", "POST"): _old_format,
}


def handle(sim, action: str, method: str, data: dict) -> tuple[int, dict]:
    fn = ACTIONS.get((action, method))
    if fn is None:
        return 404, {"error": {"message": f"Unknown control action {method} {action}.", "code": "404"}}
    return 200, {"data": fn(sim, data)}
