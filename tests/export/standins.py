"""STAND-INS, not the platforms' code: the small parts of Cortex XSOAR's `demistomock` /
`CommonServerPython` and of D3 SOAR's `pb` / `runtime` that the exported glue uses, so that the
glue runs in the normal test suite. The real CommonServerPython is on no registry reachable here
and D3 publishes no SDK; the platforms' own tooling runs in scripts/check_platforms.sh."""

from __future__ import annotations

import importlib.util
import sys
import types
import uuid
from pathlib import Path


class XsoarRun:
    """What one XSOAR command run saw and produced (the server side of demistomock)."""

    def __init__(self, command: str, params: dict, args: dict | None = None, last_run: dict | None = None,
                 investigation_id: str = "7"):
        self.command, self.params_, self.args_ = command, params, args or {}
        self.last_run = last_run
        self.investigation_id = investigation_id
        self.entries: list[dict] = []  # war-room entries: {"type": "note"|"error"|"warning", ...}
        self.incidents_: list[dict] | None = None
        self.logged_errors: list[str] = []

    # demistomock
    def params(self):
        return self.params_

    def args(self):
        return self.args_

    def command_(self):
        return self.command

    def getLastRun(self):  # noqa: N802 (XSOAR's name)
        return self.last_run

    def setLastRun(self, value):  # noqa: N802
        self.last_run = value

    def incidents(self, incidents):
        self.incidents_ = incidents

    def error(self, message):
        self.logged_errors.append(message)

    def investigation(self):
        return {"id": self.investigation_id}

    def uniqueFile(self):  # noqa: N802
        return str(uuid.uuid4())


class CommandResults:
    """Stand-in of CommonServerPython.CommandResults: keeps what the glue gave it."""

    def __init__(self, outputs_prefix=None, outputs=None, readable_output=None, raw_response=None, **kw):
        self.outputs_prefix, self.outputs = outputs_prefix, outputs
        self.readable_output, self.raw_response = readable_output, raw_response


def _xsoar_modules(run: XsoarRun) -> dict[str, types.ModuleType]:
    demisto = types.ModuleType("demistomock")
    for name in ("params", "args", "getLastRun", "setLastRun", "incidents", "error", "investigation", "uniqueFile"):
        setattr(demisto, name, getattr(run, name))
    demisto.command = run.command_

    csp = types.ModuleType("CommonServerPython")

    def return_results(result):
        run.entries.append({"type": "note", "result": result})

    def return_error(message):
        # like the real one: an error entry, then the script ends
        run.entries.append({"type": "error", "message": message})
        raise SystemExit(0)

    def return_warning(message, exit=False):  # noqa: A002 (XSOAR's name)
        run.entries.append({"type": "warning", "message": message})

    def argToBoolean(value):  # noqa: N802
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "yes"):
            return True
        if str(value).lower() in ("false", "no"):
            return False
        raise ValueError(f"Argument does not contain a valid boolean-like value: {value}")

    def tableToMarkdown(name, t, headers=None, removeNull=False):  # noqa: N802, N803
        rows = t if isinstance(t, list) else [t]
        keys = headers or sorted({k for r in rows for k, v in r.items() if not (removeNull and v is None)})
        lines = [f"### {name}", "|" + "|".join(keys) + "|", "|" + "|".join("---" for _ in keys) + "|"]
        lines += ["|" + "|".join(str(r.get(k, "")) for k in keys) + "|" for r in rows]
        return "\n".join(lines) + "\n"

    def fileResult(filename, data, file_type=None):  # noqa: N802
        # like the real one: the data goes to "<investigation id>_<unique file>" in the working
        # directory (where the server collects it), and the entry names the file and that FileID
        temp = demisto.uniqueFile()
        if isinstance(data, str):
            data = data.encode("utf-8")
        with open(f"{demisto.investigation()['id']}_{temp}", "wb") as fh:
            fh.write(data)
        return {"Contents": "", "ContentsFormat": csp.formats["text"], "Type": file_type or csp.entryTypes["file"],
                "File": filename, "FileID": temp}

    for fn in (return_results, return_error, return_warning, argToBoolean, tableToMarkdown, fileResult):
        setattr(csp, fn.__name__, fn)
    csp.entryTypes = {"note": 1, "downloadAgent": 2, "file": 3, "error": 4}
    csp.formats = {"table": "table", "json": "json", "text": "text", "markdown": "markdown"}
    csp.CommandResults = CommandResults
    return {"demistomock": demisto, "CommonServerPython": csp}


def run_xsoar(glue_path: Path, run: XsoarRun, integration_cls) -> XsoarRun:
    """Loads the exported integration code with the stand-ins and runs main() as XSOAR would."""
    saved = {name: sys.modules.get(name) for name in ("demistomock", "CommonServerPython")}
    sys.modules.update(_xsoar_modules(run))
    try:
        module = _load(glue_path, "xsoar_glue_under_test")
        module.Integration = integration_cls
        try:
            module.main()
        except SystemExit:
            pass
    finally:
        for name, mod in saved.items():
            if mod is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = mod
    return run


class D3Pb:
    """Stand-in of D3's `pb`: records each returnOutputModel call."""

    def __init__(self):
        self.outputs: list[dict] = []

    def returnOutputModel(self, resultData, returnData, keyFields, contextData, rawData, error):  # noqa: N802, N803
        out = {"resultData": resultData, "returnData": returnData, "keyFields": keyFields,
               "contextData": contextData, "rawData": rawData, "error": error}
        self.outputs.append(out)
        return out


def load_d3(script_path: Path, connector: dict, integration_cls):
    """The exported D3 script as a module, with the stand-in `pb` and a `runtime` holding the connector."""
    pb = D3Pb()
    module = _load(script_path, "d3_script_under_test", {"pb": pb, "runtime": {"connector": connector}})
    module.Integration = integration_cls
    return module, pb


def _load(path: Path, name: str, injected: dict | None = None) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    module.__dict__.update(injected or {})
    spec.loader.exec_module(module)
    return module
