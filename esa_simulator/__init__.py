"""A faithful, stateful, controllable simulator of the Cisco ESA / SMA AsyncOS REST API v2.0.

It shares no code with the client (it imports nothing from `cisco_esa`) on purpose, so a
misunderstanding of the appliance cannot hide on both sides. Standard library only;
`--tls` also needs trustme (the `tls` extra).

    from esa_simulator import Simulator
    with Simulator(appliance="esa", seed=1) as sim:
        sim.url, sim.username, sim.password, sim.users, sim.ca_file
        sim.connection(user="operator")          # a connection dict for the client
        sim.inject("message-tracking/*", "status", status=503, count=2)
        sim.expire_tokens(); sim.add_tracking_message(subject="x"); sim.request_log
        sim.world.pick_phishing_message()        # see world.py for every helper
        sim.world.pvo.pick(quarantine="Virus")   # PVO quarantines: pvo.py; sim.world.extras: tracking_extras.py

Constructor: Simulator(appliance="esa"|"sma", seed=1, tls=False, host="127.0.0.1",
port=0, now=None, token_lifetime=1800, refresh_window=300, old_format=False,
tracking_count=3000, quarantine_count=300). `start()`/`stop()` or the context manager;
`start()` raises StartError when the port is taken or TLS support is missing.
With `now=None` the world is built around the current time (again on `reset()`).

Methods: connection(user, **overrides), inject(path, kind, count=1, status=None,
message=None, retry_after=None, delay=None, method=None), clear_faults(),
expire_tokens(), add_tracking_message(**attrs), add_quarantine_message(**attrs),
request_log (property), clear_log(), reset(), set_old_format(bool).
Configuration APIs (ESA, config/...): `sim.config` holds the sender groups, dictionaries, URL
and file-hash lists, policy users and message filters; sim.config.without("url_lists", ...)
plays an AsyncOS release without those APIs, sim.config.clustered() accepts `mode`,
sim.config.after("PUT", "url_lists/x", change) plays another administrator's edit.
Fault kinds: status, rate_limit, delay, malformed_json, html, drop, expired_token,
invalid_token. malformed_json runs the request normally and truncates the answer.

Users (name: password, role): admin: C1sco!Admin#Sim (Administrator), operator:
C1sco!Oper#Sim (Operator), helpdesk: C1sco!Help#Sim (HelpDeskUser), readonly:
C1sco!Read#Sim (ReadOnlyOperator).

Control path (no auth, not logged): POST/DELETE/GET /_simulator/faults,
POST /_simulator/expire-tokens, POST /_simulator/tracking, POST /_simulator/quarantine,
GET/DELETE /_simulator/requests, POST /_simulator/reset, POST /_simulator/old-format
({"enabled": bool}). Datetimes in JSON bodies are ISO-8601 strings.

Modules: simulator (the Simulator, serve), server (HTTP plumbing, TLS, dispatch), routes
(one function per endpoint, the route table), request (parsed request, errors, query
readers), filters (search filters as tables), faults, control (the control path), auth,
world (the state), render and reports (answer shapes), config (the configuration APIs and their
state), cli (the command-line options).

Command line: `cisco-esa simulator --help` (or `python -m esa_simulator`) prints one JSON
line {server_url, username, password, appliance, ca_bundle} once it accepts connections.
"""

# Lazy, so that reading the command-line options (cisco-esa's parser) builds nothing.
_EXPORTS = {"Simulator": "simulator", "serve": "simulator", "World": "world", "StartError": "server"}


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'esa_simulator' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)


__all__ = sorted(_EXPORTS)
