"""Human- and machine-readable descriptions of the commands, derived from the manifest and
the schemas (used by `cisco-esa describe` and to generate docs/commands.md)."""

from __future__ import annotations

import re

from cisco_esa.core.registry import Command, manifest, parse_from


def describe(command: Command) -> dict:
    schema = command.params
    required = set(schema.schema.get("required", []))
    conditional: dict[str, list[str]] = {}
    for rule in schema.schema.get("allOf", []):
        for pid in rule.get("then", {}).get("required", []):
            conditional.setdefault(pid, []).append(rule.get("x-when", "a condition holds"))
    params = []
    for pid in schema.properties:
        prop = schema.property(pid)
        kind = prop.get("type")
        fmt = prop.get("format")
        if kind == "array":
            item = _resolved(schema.property(pid).get("items", {}))
            fmt = item.get("format")
            kind = f"list of {_FORMAT_NAMES.get(fmt, item.get('type', 'value'))}"
        if prop.get("format") == "esa-time":
            kind = "time"
        entry = {"id": pid, "name": prop.get("title", pid), "type": kind,
                 "required": pid in required, "description": prop.get("description", "")}
        if fmt:
            entry["format"] = fmt
        if pid in conditional:
            entry["required_when"] = conditional[pid]
        for key in ("enum", "default", "minimum", "maximum"):
            if key in prop:
                entry[key] = prop[key]
        if prop.get("x-from"):
            # where a playbook finds this input in another command's envelope (x-from of the schema)
            entry["from"] = [dict(zip(("command", "path"), parse_from(source))) for source in prop["x-from"]]
        params.append(entry)
    return {"id": command.id, "display_name": command.display_name, "description": command.description,
            "kind": command.kind, "read_only": command.read_only, "notes": notes(command, params),
            "parameters": params, "example": example(command, params)}


def notes(command: Command, params: list[dict]) -> list[str]:
    """What a user must not miss: a default that chooses what a write changes, and the caps
    that can cut a result short (from the command's `render: caps` declaration)."""
    out = []
    if not command.read_only:
        for p in params:
            if "enum" in p and "default" in p and not p["required"]:
                others = ", ".join(str(v) for v in p["enum"] if v != p["default"])
                out.append(f"Without {p['id']}, this changes the {p['default']} (the default). "
                           f"Pass --param {p['id']}={_quote(others.split(', ')[0])} for the {others}; "
                           f"the result's text output names the list that was changed.")
    if command.files:
        f = command.files
        out.append(f"Writes files: one per row of data.{f['rows']} (its {f['name']} and {f['path']}), into the folder given "
                   f"by {f['folder']}. The Splunk SOAR and Cortex XSOAR packages set that folder themselves: Splunk SOAR "
                   "keeps the files in the container's vault, XSOAR as War Room file entries (README, Load it into a SOAR platform).")
    from cisco_esa.render import declaration

    for cap in declaration(command.id).get("caps", []):
        hint = re.sub(r"\{([^{}]+)\}", r"data.\1", cap["hint"])
        out.append(f"When data.{cap['when']} is set, the result was cut short: {hint}. "
                   f"The command line says so on stderr and in the text output.")
    return out


def _resolved(schema: dict) -> dict:
    from cisco_esa.core.params import resolve

    return resolve(schema)


_FORMAT_NAMES = {"esa-email": "e-mail address", "esa-domain": "domain", "esa-sender": "address or domain"}
_FORMAT_EXAMPLES = {"esa-email": "alice@corp.example", "esa-domain": "spammy.example", "esa-sender": "spammy.example"}

_EXAMPLES = {
    "time": ["-1h", "now"], "appliance_serial_number": "4229CAEC09527FD2570C-F028BAE54A11",
    "message_ids": "4411,4412", "quarantine_message_ids": "783,782", "subject": "Password Reset",
    "domains_or_email_addresses": "spammy.example", "senders": "bad@phish.example",
    "recipients": "alice@corp.example", "counter_group": "mail_incoming_traffic_summary",
}


def example(command: Command, params: list[dict]) -> str:
    parts = ["cisco-esa run", command.id]
    time_values = iter(["-1h", "now", "now"])
    for p in params:
        if not (p["required"] or p.get("required_when") and _first_case(p)):
            continue
        if p["type"] == "time":
            value = next(time_values)
        elif "enum" in p:
            value = p["enum"][0] if p["id"] != "view_by" else "Recipient"
        else:
            value = _EXAMPLES.get(p["id"]) or _FORMAT_EXAMPLES.get(p.get("format"), "value")
        parts.append(f"--param {p['id']}={_quote(str(value))}")
    return " ".join(parts)


def _first_case(p: dict) -> bool:
    # Examples show the View By = Recipient variant.
    return any("Recipient" in w for w in p.get("required_when", []))


def _quote(text: str) -> str:
    return f"'{text}'" if any(c in text for c in " <>&|;") else text


def render_text(info: dict) -> str:
    lines = [f"{info['display_name']} ({info['id']})", "", info["description"], ""]
    for note in info["notes"]:
        lines += [f"NOTE: {note}", ""]
    lines.append("Parameters:" if info["parameters"] else "Parameters: none")
    for p in info["parameters"]:
        flags = ["required" if p["required"] else "optional"]
        if p.get("required_when"):
            flags = ["required when " + " or ".join(p["required_when"])]
        if "enum" in p:
            flags.append("one of " + ", ".join(map(str, p["enum"])))
        if "default" in p:
            flags.append(f"default {p['default']}")
        if "minimum" in p or "maximum" in p:
            flags.append(f"range {p.get('minimum', '')}..{p.get('maximum', '')}")
        lines.append(f"  {p['id']} ({p['type']}; {'; '.join(flags)})")
        if p["description"]:
            lines.append(f"      {p['description']}")
        if p.get("from"):
            lines.append(("      from: " if p["type"].startswith("list") else "      from (one value of): ") + "; ".join(f"{f['command']} {f['path']}" for f in p["from"]))
    lines += ["", "Example:", f"  {info['example']}"]
    return "\n".join(lines)


def commands_markdown() -> str:
    """docs/commands.md, generated; a test checks it has not drifted."""
    out = ["# Commands", "", "Generated from integration.yaml and schemas/ by "
           "`python -m cisco_esa.describe > docs/commands.md`; do not edit by hand.", ""]
    for cmd in manifest().commands.values():
        info = describe(cmd)
        out += [f"## {info['display_name']} (`{info['id']}`)", "", info["description"], ""]
        for note in info["notes"]:
            out += [f"> **Note:** {note}", ""]
        if info["parameters"]:
            out += ["| parameter | type | required | default | values | description |", "|---|---|---|---|---|---|"]
            for p in info["parameters"]:
                req = "yes" if p["required"] else ("when " + " or ".join(p["required_when"]) if p.get("required_when") else "no")
                values = ", ".join(map(str, p.get("enum", [])))
                if "minimum" in p or "maximum" in p:
                    values = f"{p.get('minimum', '')}..{p.get('maximum', '')}"
                default = "" if "default" not in p else f"`{p['default']}`"
                out.append(f"| `{p['id']}` | {p['type']} | {req} | {default} | {values} | {p['description']} |")
            out.append("")
        fed = [p for p in info["parameters"] if p.get("from")]
        if fed:
            out += ["Inputs from other commands' output (a list path may be passed on as it is; one level of "
                    "nesting is flattened):", ""]
            out += [f"- `{p['id']}` ← " + ("" if p["type"].startswith("list") else "one value of ") + ", ".join(f"`{f['command']}` `{f['path']}`" for f in p["from"]) for p in fed]
            out.append("")
        out += ["```sh", info["example"], "```", ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(commands_markdown(), end="")
