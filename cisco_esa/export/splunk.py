"""The Splunk SOAR app for the official SDK (splunk-soar-sdk 7.x): the asset, one action per
command with typed params and outputs (datapaths from sample_outputs/), test connectivity and
on_poll, plus the project files the SDK's CLI builds, tests and packages it with."""

from __future__ import annotations

import keyword
import re
import uuid
from pathlib import Path

from cisco_esa.export import common
from cisco_esa.export.model import Command, ConnectionField, Model, Param, Shape

SDK_REQUIREMENT = "splunk-soar-sdk>=7,<8"
PYTHON = "3.13"
INDEX_URL = "https://pypi.org/simple"

# Names the SDK refuses as asset fields (the platform injects them into the asset config).
RESERVED_ASSET_NAMES = {"app_version", "directory", "ingest", "main_module", "appname"}
# Attribute names of pydantic's BaseModel: a field must not shadow them.
_MODEL_ATTRIBUTES = {"copy", "dict", "json", "schema", "schema_json", "construct", "validate", "fields",
                     "from_orm", "parse_obj", "parse_raw", "parse_file", "update_forward_refs"}
_PY_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "str"}
POLL_PREFIX = "poll_"
# The field each file row of a files command gains: the file's id in the container's vault.
VAULT_ID = "vault_id"
# What the values of a file row are, for the platform's contextual actions (a vault id opens the
# file, a hash goes to a reputation lookup); keyed by the declaration's role or by the field.
FILE_ROW_CONTAINS = {VAULT_ID: ["vault id"], "sha256": ["sha256", "hash"]}


def app_name(model: Model) -> str:
    return model.name


def appid(model: Model) -> str:
    # Stable across exports (the platform keys an installed app by it), unique to this integration.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{model.distribution}/{model.name}"))


def action_name(command: Command) -> str:
    """Splunk's convention: lower-case words (`get amp details`)."""
    return command.display_name.lower()


def actions(model: Model) -> list[Command]:
    return model.of_kind("action")


def field_name(key: str) -> str:
    """A Python identifier for a data key (`Document ID` -> `document_id`); the key stays its alias."""
    name = re.sub(r"[^0-9A-Za-z]+", "_", key).strip("_").lower() or "field"
    if name[0].isdigit() or name.startswith("model_") or keyword.iskeyword(name) or name in _MODEL_ATTRIBUTES:
        name = f"f_{name}"
    return name


def asset_field_name(fid: str) -> str:
    return f"esa_{fid}" if fid in RESERVED_ASSET_NAMES or fid.startswith("_reserved_") else fid


def _default(value) -> str:
    return repr(value)


def asset_class(model: Model) -> tuple[str, dict[str, str], dict[str, str], dict[str, object]]:
    """The Asset class source, {field: connection id}, {field: Fetch Event parameter} and the
    poll settings' defaults by parameter (an asset saved without them reads them as None)."""
    lines = ["class Asset(BaseAsset):", '    """The connection (contract §2) and, for on_poll, the Fetch Event settings."""', ""]
    conn_map: dict[str, str] = {}
    for f in model.connection:
        name = asset_field_name(f.id)
        conn_map[name] = f.id
        lines.append(f"    {name}: {_asset_type(f)} = AssetField({_asset_args(f)})")
    fetch_map: dict[str, str] = {}
    fetch_defaults: dict[str, object] = {}
    fetch = common.fetch_command(model)
    if fetch is not None:
        for p in _poll_params(fetch):
            name = POLL_PREFIX + p.id
            fetch_map[name] = p.id
            default = p.default
            if p.id == common.FETCH_FIRST:
                default = common.DEFAULT_FIRST_FETCH
            elif default is None and p.enum and p.required:
                default = p.enum[0]
            args = [f"description={_describe(p)!r}", "category=FieldCategory.INGEST"]
            if p.enum:
                args.append(f"value_list={list(p.enum)!r}")
            if default is not None:
                args.append(f"default={_default(default)}")
                fetch_defaults[p.id] = default
            lines.append(f"    {name}: {_PY_TYPES.get(p.type, 'str')} | None = AssetField({', '.join(args)})")
    return "\n".join(lines), conn_map, fetch_map, fetch_defaults


def _poll_params(fetch: Command) -> list[Param]:
    keep = {common.FETCH_FIRST, common.FETCH_CAP}
    return [p for p in fetch.params if p.id in keep or p in common.fetch_settings(fetch)]


def _asset_type(f: ConnectionField) -> str:
    base = "str" if f.secret else {"boolean": "bool", "number": "float", "integer": "int"}.get(f.type, "str")
    return base if f.required else f"{base} | None"


def _asset_args(f: ConnectionField) -> str:
    args = [f"description={f.display_name + ': ' + f.description!r}"]
    if f.secret:
        args.append("sensitive=True")
    if f.enum:
        args.append(f"value_list={list(f.enum)!r}")
    if f.default is not None:
        args.append(f"default={_default(f.default)}")
    return ", ".join(args)


def _describe(p: Param) -> str:
    return common.describe(p, "Comma-separated.")


def params_class(command: Command) -> tuple[str, str]:
    cls = common.pascal(command.display_name) + "Params"
    lines = [f"class {cls}(Params):"]
    if not command.form_params:
        lines.append("    pass")
    # a files command's folder is not offered: the action sets it to a temporary directory of its own
    for p in command.form_params:
        # lists travel as comma-separated text (allow_list): the runtime splits them
        base = "str" if p.is_list else _PY_TYPES.get(p.type, "str")
        args = [f"description={_describe(p)!r}"]
        if p.enum:
            args.append(f"value_list={[str(v) for v in p.enum]!r}")
        if p.is_list:
            args.append("allow_list=True")
        if p.default is not None:
            args.append(f"default={_default(p.default)}")
        name = field_name(p.id)
        if name != p.id:
            args.append(f"alias={p.id!r}")
        annotation = base if p.required else f"{base} | None"
        if p.required:
            args.append("required=True")
        lines.append(f"    {name}: {annotation} = Param({', '.join(args)})")
    return cls, "\n".join(lines)


class _Classes:
    """Output classes built from a sample's shape, each nested object its own class."""

    def __init__(self):
        self.blocks: list[str] = []
        self.names: set[str] = set()
        # the command at hand's {path of an object from data: {field: the platform's contains types}}
        self.contains: dict[tuple[str, ...], dict[str, list[str]]] = {}

    def annotation(self, shape: Shape, stem: str, path: tuple[str, ...] = ()) -> str | None:
        if shape.kind in _PY_TYPES:
            return _PY_TYPES[shape.kind]
        if shape.kind == "list":
            if shape.item is None:
                return "list[str]"
            inner = self.annotation(shape.item, stem, path)
            return f"list[{inner}]" if inner else None
        if shape.kind == "object" and shape.fields:
            return self.object(shape, stem, path)
        return None  # a map (keys that are data) or an empty object: kept, but untyped

    def object(self, shape: Shape, stem: str, path: tuple[str, ...] = ()) -> str:
        name = stem
        n = 2
        while name in self.names:
            name, n = f"{stem}{n}", n + 1
        self.names.add(name)
        lines = [f"class {name}(PermissiveActionOutput):"]
        used: set[str] = set()
        contains = self.contains.get(path, {})
        for key, sub in shape.fields:
            ann = self.annotation(sub, stem + common.pascal(key), path + (key,))
            if ann is None:
                continue
            fname = field_name(key)
            while fname in used:
                fname += "_"
            used.add(fname)
            args = [f"alias={key!r}"] if fname != key else []
            if key in contains:
                args.append(f"cef_types={contains[key]!r}")
            lines.append(f"    {fname}: {ann} | None" + (f" = OutputField({', '.join(args)})" if args else ""))
        if len(lines) == 1:
            lines.append("    pass")
        self.blocks.append("\n".join(lines))
        return name


def output_class(command: Command, classes: _Classes) -> str:
    stem = common.pascal(command.display_name)
    shape = command.data_shape
    classes.contains = {}
    if command.files and shape is not None:
        # each file row gains the id the vault gave its file (run_into_vault in the app)
        rows = tuple(command.files.rows.split("."))
        shape = with_field(shape, rows, VAULT_ID, Shape("string"))
        named = {command.files.name: ["file name"]}
        classes.contains[rows] = {**named, **FILE_ROW_CONTAINS}
    data = classes.object(shape, stem + "Data") if shape is not None and shape.fields else None
    cls = stem + "Output"
    classes.names.add(cls)
    lines = [f"class {cls}(PermissiveActionOutput):",
             '    """The runtime\'s envelope: its status, its data, one row per item."""',
             "    status: str | None = OutputField(example_values=[SUCCESSFUL, PARTIAL], column_name=\"Status\")",
             f"    data: {data} | None" if data else "    data: PermissiveActionOutput | None",
             "    items: list[ItemRow] | None"]
    classes.blocks.append("\n".join(lines))
    return cls


def with_field(shape: Shape, path: tuple[str, ...], key: str, sub: Shape) -> Shape:
    """`shape` with `key` added to the objects at `path` (a list's elements where it leads to one)."""
    if shape.kind == "list" and shape.item is not None:
        return Shape("list", item=with_field(shape.item, path, key, sub))
    if shape.kind != "object":
        return shape
    if not path:
        return Shape("object", fields=tuple(sorted({**dict(shape.fields), key: sub}.items())))
    fields = dict(shape.fields)
    if path[0] in fields:
        fields[path[0]] = with_field(fields[path[0]], path[1:], key, sub)
    return Shape("object", fields=tuple(sorted(fields.items())))


def app_source(model: Model) -> str:
    asset_src, conn_map, fetch_map, fetch_defaults = asset_class(model)
    fetch = common.fetch_command(model)
    tests = model.of_kind("test_connection")
    decl = [asset_src, ""]
    classes = _Classes()
    action_blocks = []
    for c in actions(model):
        pcls, psrc = params_class(c)
        ocls = output_class(c, classes)
        decl += ["", psrc, ""]
        action_blocks.append(
            f"@app.action(name={action_name(c)!r}, identifier={c.id!r}, description={c.description!r},\n"
            f"            action_type={'investigate' if c.read_only else 'generic'!r}, read_only={c.read_only!r},\n"
            f"            params_class={pcls}, output_class={ocls}, summary_type=Summary)\n"
            f"def {c.id}(params: {pcls}, soar: SOARClient, asset: Asset) -> {ocls}:\n"
            f"    return run_action({c.id!r}, params, soar, asset, {ocls})\n")
    if tests:
        action_blocks.insert(0, "@app.test_connectivity()\n"
                                "def test_connectivity(soar: SOARClient, asset: Asset) -> None:\n"
                                f"    \"\"\"{tests[0].description}\"\"\"\n"
                                "    check_connectivity(asset)\n")
    if fetch is not None:
        action_blocks.append("@app.on_poll()\n"
                             "def on_poll(params: OnPollParams, soar: SOARClient, asset: Asset) -> Iterator[Container | Artifact]:\n"
                             f"    \"\"\"{fetch.description} One container and artifact per event.\"\"\"\n"
                             "    yield from poll(params, asset)\n")
    tables = [
        "# asset field -> connection parameter",
        "ASSET_FIELDS = " + _literal(conn_map),
        "# asset field -> Fetch Event parameter (on_poll)",
        "FETCH_FIELDS = " + _literal(fetch_map),
        "FETCH_DEFAULTS = " + _literal(fetch_defaults),
        f"FETCH_FIXED = {common.FETCH_FIXED!r}",
        f"FETCH_CAP = {common.FETCH_CAP!r}",
        f"TEST_COMMAND = {tests[0].id if tests else None!r}",
        f"FETCH_COMMAND = {fetch.id if fetch else None!r}",
        "# command -> the files it writes (integration.yaml `files:`), which go to the vault",
        f"VAULT_ID = {VAULT_ID!r}",
        "FILES = " + _literal({c.id: {"folder": c.files.folder, "rows": c.files.rows, "path": c.files.path,
                                      "name": c.files.name, "failure_indicator": c.failure_indicator}
                               for c in actions(model) if c.files}),
    ]
    app_call = (f"app = App(name={app_name(model)!r}, app_type='email', logo='logo.svg', logo_dark='logo_dark.svg',\n"
                f"          product_vendor={model.vendor!r}, product_name={model.display_name!r}, publisher={model.vendor!r},\n"
                f"          appid={appid(model)!r}, python_version={PYTHON!r}, fips_compliant=False, asset_cls=Asset)")
    declarations = "\n".join(decl) + "\n\n" + "\n\n\n".join(classes.blocks) + "\n\n\n" + "\n".join(tables) + "\n\n" + app_call
    return common.fill(common.template("splunk_app.py.tmpl"), generated_note="# " + common.GENERATED,
                       declarations=declarations, actions="\n\n".join(action_blocks))


def _literal(value: dict) -> str:
    if not value:
        return "{}"
    return "{\n" + "".join(f"    {k!r}: {v!r},\n" for k, v in value.items()) + "}"


def pyproject(model: Model) -> str:
    return f'''# {common.GENERATED}
[project]
name = "{app_name(model)}"
version = "{model.version}"
description = "{model.description.replace('"', "'")}"
license = "MIT"
requires-python = ">={PYTHON}, <3.14"
authors = []
dependencies = [
    "{model.distribution}=={model.runtime_version}",
    "{SDK_REQUIREMENT}",
]

[tool.soar.app]
main_module = "src.app:app"

[dependency-groups]
dev = [
    "pytest>=7.4.2,<9",
    "pytest-cov>=4",
]

[tool.uv]
environments = ["sys_platform == 'linux' and platform_machine == 'x86_64' and python_version == '{PYTHON}'"]
required-environments = ["sys_platform == 'linux' and platform_machine == 'x86_64' and python_version == '{PYTHON}'"]

[[tool.uv.index]]
url = "{INDEX_URL}"

[tool.pytest.ini_options]
testpaths = ["tests"]
'''


def readme(model: Model) -> str:
    lines = [f"# {model.display_name}", "", model.description, "", common.GENERATED, "",
             f"The actions run in the `{model.distribution}` runtime (a dependency of this app).", "",
             "| action | description |", "|---|---|"]
    lines += [f"| {action_name(c)} | {c.description}{_vault_note(c)} |" for c in actions(model)]
    if model.of_kind("test_connection"):
        lines.append("| test connectivity | " + model.of_kind("test_connection")[0].description + " |")
    if common.fetch_command(model):
        lines.append("| on poll | " + common.fetch_command(model).description + " One container and artifact per event. |")
    return "\n".join(lines)


def _vault_note(command: Command) -> str:
    if not command.files:
        return ""
    return (f" Each file goes to the vault of the container the action runs in; its vault id is "
            f"`action_result.data.*.data.{command.files.rows}.*.{VAULT_ID}` (the runtime's `{command.files.folder}` is a "
            "temporary directory of the action, removed when it ends).")


def export(model: Model, out: Path) -> list[Path]:
    tests = common.template("splunk_test_app.py.tmpl")
    return [
        common.write(out / "pyproject.toml", pyproject(model)),
        common.write(out / "src" / "__init__.py", ""),
        common.write(out / "src" / "app.py", app_source(model)),
        common.write(out / "tests" / "__init__.py", ""),
        common.write(out / "tests" / "test_app.py", common.fill(tests, generated_note="# " + common.GENERATED)),
        common.write(out / "logo.svg", common.svg("ESA")),
        common.write(out / "logo_dark.svg", common.svg("ESA", "#1e4471")),
        common.write(out / "README.md", readme(model)),
        common.write(out / "release_notes" / "unreleased.md", "**Unreleased**\n"),
    ]
