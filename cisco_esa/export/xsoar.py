"""The Cortex XSOAR content pack: integration YAML (settings, commands, arguments, context
outputs), the glue code, README and description, generated from the export model."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from cisco_esa.export import common
from cisco_esa.export.model import Command, Model, leaves

CONTEXT_ROOT = "CiscoESA"
PREFIX = "cisco-esa"
FROM_VERSION = "6.10.0"
# The glue needs our runtime inside the integration's container: a custom image built from
# this base with our wheel installed (README). The base is what the YAML names.
BASE_IMAGE = "demisto/python3:3.12.13.10116658"
CATEGORY = "Email"

# XSOAR setting types (the integration YAML's `type` numbers).
SHORT_TEXT, ENCRYPTED, BOOLEAN, CREDENTIALS, INCIDENT_TYPE, SINGLE_SELECT = 0, 4, 8, 9, 13, 15

_OUTPUT_TYPES = {"string": "String", "integer": "Number", "number": "Number", "boolean": "Boolean"}


def names(model: Model) -> tuple[str, str]:
    """(pack name, integration name): the display name in PascalCase."""
    name = common.pascal(model.display_name)
    return name, name


def command_name(command: Command) -> str:
    return f"{PREFIX}-{command.id.replace('_', '-')}"


def actions(model: Model) -> list[Command]:
    return model.of_kind("action")


def connection_settings(model: Model) -> tuple[list[dict], list[tuple[str, str, str]]]:
    """The instance settings and, for the glue, (setting, connection id, how) triples.

    XSOAR's conventions: username and password are one credentials setting; `insecure`
    ("Trust any certificate") is the inverse of verify_tls; `proxy` is the "Use system proxy
    settings" checkbox, which is our use_system_proxy (our proxy URL is then `proxy_url`).
    """
    settings, mapping = [], []
    ids = {f.id for f in model.connection}
    for field in model.connection:
        entry: dict = {"display": field.display_name, "name": field.id, "required": field.required,
                       "type": SHORT_TEXT, "additionalinfo": field.description, "section": "Connect"}
        how = "plain"
        if field.id == "password" and "username" in ids:
            continue
        if field.id == "username" and "password" in ids:
            entry.update(name="credentials", type=CREDENTIALS, displaypassword=model.connection_field("password").display_name,
                         additionalinfo="The API account's user name and passphrase.")
            how = "credentials"
        elif field.id == "verify_tls":
            entry.update(name="insecure", display="Trust any certificate (not secure)", type=BOOLEAN, required=False,
                         additionalinfo="Do not verify the appliance's certificate.")
            how = "inverse"
        elif field.id == "use_system_proxy":
            entry.update(name="proxy", display="Use system proxy settings", type=BOOLEAN, required=False)
            how = "boolean"
        else:
            if field.id == "proxy":
                entry["name"] = "proxy_url"
            if field.secret:
                entry["type"] = ENCRYPTED
            elif field.type == "boolean":
                entry["type"] = BOOLEAN
                how = "boolean"
            elif field.enum:
                entry.update(type=SINGLE_SELECT, options=[str(v) for v in field.enum])
            if field.default is not None and field.type != "boolean":
                entry["defaultvalue"] = str(field.default)
        if entry["type"] == BOOLEAN and field.id != "verify_tls" and field.default is not None:
            entry["defaultvalue"] = "true" if field.default else "false"
        settings.append(entry)
        mapping.append((entry["name"], field.id, how))
    return settings, mapping


def fetch_settings(model: Model) -> tuple[list[dict], dict[str, str], dict[str, object]]:
    """The fetch settings, {setting: Fetch Event parameter} and the defaults by parameter (for
    an instance saved before a setting existed, which then reads it as missing)."""
    fetch = common.fetch_command(model)
    if fetch is None:
        return [], {}, {}
    cap = fetch.param(common.FETCH_CAP)
    first = fetch.param(common.FETCH_FIRST)
    settings = [
        {"display": "Fetch incidents", "name": "isFetch", "type": BOOLEAN, "required": False, "section": "Collect"},
        {"display": "Incident type", "name": "incidentType", "type": INCIDENT_TYPE, "required": False, "section": "Collect"},
        {"display": "First fetch time", "name": "first_fetch", "type": SHORT_TEXT, "required": False, "section": "Collect",
         "defaultvalue": common.DEFAULT_FIRST_FETCH,
         "additionalinfo": f"Where the first run starts ({first.description if first else 'a time'}); later runs go on from the checkpoint."},
        {"display": "Maximum number of incidents per fetch", "name": "max_fetch", "type": SHORT_TEXT, "required": False,
         "section": "Collect", "defaultvalue": str(cap.default if cap and cap.default is not None else 1000),
         "additionalinfo": cap.description if cap else "The most events one run emits."},
    ]
    mapping, defaults = {}, {}
    for p in common.fetch_settings(fetch):
        name = f"fetch_{p.id}"
        entry = {"display": f"Fetch {p.title}", "name": name, "type": SHORT_TEXT, "required": False,
                 "section": "Collect", "additionalinfo": p.description}
        if p.enum:
            entry.update(type=SINGLE_SELECT, options=[str(v) for v in p.enum])
        default = p.default if p.default is not None else (p.enum[0] if p.enum and p.required else None)
        if default is not None:
            entry["defaultvalue"] = str(default).lower() if isinstance(default, bool) else str(default)
            defaults[p.id] = default
        settings.append(entry)
        mapping[name] = p.id
    return settings, mapping, defaults


def arguments(command: Command) -> list[dict]:
    out = []
    # a files command's folder is not offered: the glue sets it to a temporary directory of its own
    for p in command.form_params:
        arg: dict = {"name": p.id, "description": common.describe(p, "A comma-separated list or a JSON array."), "required": p.required, "isArray": p.is_list}
        if p.enum:
            arg.update(auto="PREDEFINED", predefined=[str(v) for v in p.enum])
        elif p.type == "boolean":
            arg.update(auto="PREDEFINED", predefined=["true", "false"])
        if p.default is not None:
            arg["defaultValue"] = str(p.default).lower() if isinstance(p.default, bool) else str(p.default)
        out.append(arg)
    return out


def outputs(command: Command) -> list[dict]:
    shape = command.data_shape
    if shape is None:
        return []
    prefix = f"{CONTEXT_ROOT}.{common.pascal(command.display_name)}"
    out = []
    for path, kind in leaves(shape):
        if not path:
            continue
        out.append({"contextPath": ".".join((prefix,) + path),
                    "description": f"{command.display_name}: data.{'.'.join(path)} of the result.",
                    "type": _OUTPUT_TYPES.get(kind, "Unknown")})
    return out


def integration_yaml(model: Model) -> dict:
    _, name = names(model)
    conn, _ = connection_settings(model)
    fetch, _, _ = fetch_settings(model)
    commands = [{"name": command_name(c), "description": c.description, "arguments": arguments(c),
                 "outputs": outputs(c), "execution": not c.read_only} for c in actions(model)]
    return {
        "commonfields": {"id": name, "version": -1},
        "name": name,
        "display": model.display_name,
        "category": CATEGORY,
        "description": model.description,
        "configuration": conn + fetch,
        "script": {
            "script": "-",
            "type": "python",
            "subtype": "python3",
            "dockerimage": BASE_IMAGE,
            "isfetch": bool(fetch),
            "runonce": False,
            "commands": commands,
        },
        "fromversion": FROM_VERSION,
        "tests": ["No tests (auto formatted)"],
        # where and how `demisto-sdk format` writes it, so that formatting our output changes nothing
        "sectionorder": ["Connect", "Collect"] if fetch else ["Connect"],
    }


def glue(model: Model) -> str:
    _, mapping = connection_settings(model)
    _, fetch_map, fetch_defaults = fetch_settings(model)
    fetch = common.fetch_command(model)
    tests = model.of_kind("test_connection")
    tables = "\n".join([
        f"CONTEXT_ROOT = {CONTEXT_ROOT!r}",
        "# XSOAR command -> runtime command id",
        "COMMANDS = " + _literal({command_name(c): c.id for c in actions(model)}),
        "# runtime command id -> its context key under CONTEXT_ROOT",
        "CONTEXT_NAMES = " + _literal({c.id: common.pascal(c.display_name) for c in actions(model)}),
        "# (instance setting, connection parameter, how it is read)",
        "CONNECTION = " + _literal(mapping),
        f"TEST_COMMAND = {tests[0].id if tests else None!r}",
        f"FETCH_COMMAND = {fetch.id if fetch else None!r}",
        "# instance setting -> Fetch Event parameter",
        "FETCH_SETTINGS = " + _literal(fetch_map),
        "FETCH_DEFAULTS = " + _literal(fetch_defaults),
        f"FETCH_FIXED = {common.FETCH_FIXED!r}",
        f"FETCH_FIRST = {common.FETCH_FIRST!r}",
        f"FETCH_CAP = {common.FETCH_CAP!r}",
        f"DEFAULT_FIRST_FETCH = {common.DEFAULT_FIRST_FETCH!r}",
        "# runtime command id -> the files it writes (integration.yaml `files:`), returned as file entries",
        "FILES = " + _literal({c.id: {"folder": c.files.folder, "rows": c.files.rows, "path": c.files.path,
                                      "name": c.files.name, "failure_indicator": c.failure_indicator}
                               for c in actions(model) if c.files}),
    ])
    return common.fill(common.template("xsoar.py.tmpl"), generated_note="# " + common.GENERATED, tables=tables)


def _literal(value) -> str:
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{\n" + "".join(f"    {k!r}: {v!r},\n" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[\n" + "".join(f"    {v!r},\n" for v in value) + "]"
    return repr(value)


def integration_readme(model: Model) -> str:
    lines = [f"{model.description}", "",
             f"This integration was generated from the Cisco ESA SOAR integration's manifest ({model.distribution} {model.runtime_version}); "
             "its commands run in that Python runtime, which must be installed in the integration's Docker image.", "",
             "## Configure " + model.display_name, ""]
    conn, _ = connection_settings(model)
    fetch, _, _ = fetch_settings(model)
    lines += ["| **Parameter** | **Description** | **Required** |", "| --- | --- | --- |"]
    for s in conn + fetch:
        lines.append(f"| {s['display']} | {_cell(s.get('additionalinfo', ''))} | {'True' if s['required'] else 'False'} |")
    lines += ["", "## Commands", "",
              "You can execute these commands from the CLI, as part of an automation, or in a playbook.", ""]
    for c in actions(model):
        lines += [f"### {command_name(c)}", "", "***", c.description + _files_note(c), "", "#### Base Command", "",
                  f"`{command_name(c)}`", "", "#### Input", ""]
        args = arguments(c)
        if args:
            lines += ["| **Argument Name** | **Description** | **Required** |", "| --- | --- | --- |"]
            lines += [f"| {a['name']} | {_cell(a['description'])} | {'Required' if a['required'] else 'Optional'} |" for a in args]
        else:
            lines.append("There are no input arguments for this command.")
        lines += ["", "#### Context Output", ""]
        outs = outputs(c)
        if outs:
            lines += ["| **Path** | **Type** | **Description** |", "| --- | --- | --- |"]
            lines += [f"| {o['contextPath']} | {o['type']} | {_cell(o['description'])} |" for o in outs]
        else:
            lines.append("There is no context output for this command.")
        lines.append("")
    return "\n".join(lines)


def _files_note(command: Command) -> str:
    if not command.files:
        return ""
    return (f" Each file it writes comes back as a file entry (in the War Room, under its name); the context keeps "
            f"the rows that list them (`{command.files.rows}`). The runtime's `{command.files.folder}` is a temporary "
            "directory of the command, removed when it ends.")


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def pack_metadata(model: Model) -> dict:
    return {
        "name": model.display_name,
        "description": model.description[:500],
        "support": "community",
        "currentVersion": "1.0.0",
        "author": model.vendor,
        "url": "",
        "email": "",
        "categories": [CATEGORY],
        "tags": [],
        "useCases": [],
        "keywords": ["Cisco", "ESA", "SMA", "email"],
        "marketplaces": ["xsoar"],
    }


def export(model: Model, out: Path) -> list[Path]:
    pack, name = names(model)
    root = out / "Packs" / pack
    integ = root / "Integrations" / name
    dumped = yaml.safe_dump(integration_yaml(model), sort_keys=False, allow_unicode=True, width=1000)
    return [
        common.write(root / "pack_metadata.json", json.dumps(pack_metadata(model), indent=4), newline=False),
        common.write(root / "README.md", f"# {model.display_name}\n\n{model.description}\n\n{common.GENERATED}"),
        common.write(integ / f"{name}.yml", dumped),
        common.write(integ / f"{name}.py", glue(model)),
        common.write(integ / "README.md", integration_readme(model)),
        common.write(integ / f"{name}_description.md",
                     f"## {model.display_name}\n\nConnect with an AsyncOS API account (user name and passphrase) "
                     "and the appliance's API URL, scheme and port included (https://esa.example:6443).", newline=False),
        common.write(integ / f"{name}_image.png", common.png(120, 50)),
    ]
