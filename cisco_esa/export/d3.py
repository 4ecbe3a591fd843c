"""The D3 SOAR custom-integration script: one function per command taking its inputs, the
connection from runtime["connector"], results through pb.returnOutputModel (no public SDK)."""

from __future__ import annotations

import keyword
from pathlib import Path

from cisco_esa.export import common
from cisco_esa.export.model import Command, Model

CHECKPOINT_INPUT = "checkpoint"


def script_name(model: Model) -> str:
    return f"{model.name}.py"


def argument(pid: str) -> str:
    return f"{pid}_" if keyword.iskeyword(pid) else pid


def function(command: Command) -> str:
    required = [p for p in command.params if p.required]
    optional = [p for p in command.params if not p.required]
    args = [argument(p.id) for p in required] + [f"{argument(p.id)}=None" for p in optional]
    fetch = command.kind == "fetch_event"
    if fetch:
        args.append(f"{CHECKPOINT_INPUT}=None")
    inputs = "{" + ", ".join(f"{p.id!r}: {argument(p.id)}" for p in command.params) + "}"
    doc = command.description
    if fetch:
        doc += f" Pass the previous run's data.checkpoint as `{CHECKPOINT_INPUT}` to go on from it."
    call = f"_run({command.id!r}, {inputs}" + (f", state=_checkpoint({CHECKPOINT_INPUT}))" if fetch else ")")
    doc = doc.replace("\\", "\\\\").replace('"""', "'''")
    return f'def {command.id}({", ".join(args)}):\n    """{doc}"""\n    return {call}\n'


def script(model: Model) -> str:
    tables = "# the connection parameters (contract §2) read from runtime['connector']\nCONNECTION = " + repr(
        [f.id for f in model.connection])
    functions = "\n\n".join(function(c) for c in model.commands)
    return common.fill(common.template("d3.py.tmpl"), generated_note="# " + common.GENERATED,
                       tables=tables, functions=functions)


def readme(model: Model) -> str:
    lines = [f"# {model.display_name} for D3 SOAR", "", common.GENERATED, "",
             f"Create a custom integration with the script `{script_name(model)}` (Python), in an environment where "
             f"`{model.distribution}=={model.runtime_version}` is installed. Connection fields (ids as below):", "",
             "| id | name | required | secret |", "|---|---|---|---|"]
    lines += [f"| `{f.id}` | {f.display_name} | {'yes' if f.required else 'no'} | {'yes' if f.secret else 'no'} |"
              for f in model.connection]
    lines += ["", "Commands (function = command id; inputs = its parameters):", ""]
    for c in model.commands:
        inputs = ", ".join(f"`{p.id}`" + ("*" if p.required else "") for p in c.params) or "none"
        if c.kind == "fetch_event":
            inputs += f", `{CHECKPOINT_INPUT}`"
        lines.append(f"- **{c.display_name}** `{c.id}`: {inputs}" + _files_note(c))
    return "\n".join(lines)


def _files_note(command: Command) -> str:
    # No public D3 API for files is known to us: the files stay where the runtime writes them.
    if not command.files:
        return ""
    f = command.files
    return (f". It writes files: into the folder given as `{f.folder}` (on the host that runs the script; the "
            f"working directory when not given), each listed in `data.{f.rows}` with its `{f.name}` and `{f.path}`. "
            "The script leaves them there (it hands D3 the output model only): give a folder your playbook reads "
            "from, and remove the files when done.")


def export(model: Model, out: Path) -> list[Path]:
    return [common.write(out / script_name(model), script(model)),
            common.write(out / "README.md", readme(model))]
