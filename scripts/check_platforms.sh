#!/usr/bin/env bash
# Runs each SOAR platform's own tooling on the packages `cisco-esa export` writes (issue 11):
#   Splunk SOAR  splunk-soar-sdk 7.x: manifest creation (vault ids among the datapaths), its
#                unit-test harness (on_poll resuming from the checkpoint, files to a vault stand-in),
#                the local runner against our simulator (downloaded files to the SDK's vault),
#                package build;
#   Cortex XSOAR demisto-sdk 1.39.x: validate (offline config), format idempotence, xsoar-lint,
#                prepare-content, zip-packs;
#   D3 SOAR      no public SDK: the script run with OUR STAND-IN pb/runtime against the simulator.
# Everything lives in one temporary directory (venvs, uv cache, index, packages) removed at the
# end; only pip's download cache is shared. Prints each check that passed; exits 1 on a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
START=$SECONDS

PY=${PYTHON:-python3}
PY313=${PY313:-}
if [ -z "$PY313" ]; then
  PYENV_ROOT_DIR=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
  PY313=$(ls -d "$PYENV_ROOT_DIR"/versions/3.13*/bin/python3.13 2>/dev/null | sort -V | tail -1 || true)
fi
[ -x "$PY313" ] || { echo "check_platforms: Python 3.13 not found (set PY313); splunk-soar-sdk needs it" >&2; exit 1; }

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
LOGS="$WORK/logs"; mkdir -p "$LOGS"

# step NAME COMMAND...: runs it with its output in a log; PASS with its time, or FAIL with the log's end.
step() {
  local name=$1; shift
  local log="$LOGS/$(printf %s "$name" | tr -c 'A-Za-z0-9' '_').log" t=$SECONDS
  LAST_LOG=$log
  if "$@" >"$log" 2>&1; then
    printf 'PASS  %-64s %4ss\n' "$name" $((SECONDS - t))
  else
    printf 'FAIL  %s\n' "$name"; tail -40 "$log" | sed 's/^/      /'; exit 1
  fi
}
skip() { printf 'SKIP  %s\n' "$1"; }

# ------------------------------------------------------------------ our wheel, on a loopback index
step "build our wheel" $PY -m pip wheel -q --no-deps -w "$WORK/index/files" "$ROOT"
WHEEL=$(ls "$WORK"/index/files/*.whl)
DIST=cisco-esa-soar
make_index() {
  # PEP 503: the SDK refuses a local wheel or folder as a dependency, an index it takes.
  mkdir -p "$WORK/index/simple/$DIST"
  local name hash
  name=$(basename "$WHEEL"); hash=$(sha256sum "$WHEEL" | cut -d' ' -f1)
  printf '<!DOCTYPE html><html><body><a href="../../files/%s#sha256=%s">%s</a></body></html>\n' \
    "$name" "$hash" "$name" >"$WORK/index/simple/$DIST/index.html"
}
step "PEP 503 index of our wheel" make_index
$PY - "$WORK/index" >"$WORK/index.port" 2>"$LOGS/index_server.log" <<'PY' &
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
PIDS+=($!)
for _ in $(seq 50); do [ -s "$WORK/index.port" ] && break; sleep 0.1; done
INDEX="http://127.0.0.1:$(cat "$WORK/index.port")/simple"

# ------------------------------------------------------------------ the SDKs, from PyPI
# uv installs them (pip takes minutes for demisto-sdk's tree here); its cache lives in $WORK.
# It must never download an interpreter: the venvs use the Pythons on this machine.
export UV_PYTHON_DOWNLOADS=never UV_CACHE_DIR="$WORK/uv-cache" UV_CONCURRENT_DOWNLOADS=4
step "uv (installer)" bash -c "$PY -m venv '$WORK/tools' && '$WORK/tools/bin/pip' install -q uv"
UV="$WORK/tools/bin/uv"
PYPATH=$($PY -c 'import sys; print(sys.executable)')
# From here on the tools' own caches and logs (demisto-sdk's ~/.demisto-sdk, pylint's, ...) land in $WORK.
export HOME="$WORK/home" XDG_CACHE_HOME="$WORK/home/.cache"
mkdir -p "$HOME"
install() {  # install VENV PYTHON PACKAGE...
  local venv=$1 python=$2; shift 2
  "$UV" venv -q -p "$python" "$venv" && VIRTUAL_ENV="$venv" "$UV" pip install -q "$@"
}
# uv is also what the SDK's own CLI locks and builds with.
step "venv: Python 3.13 + splunk-soar-sdk 7.x + our wheel" \
  install "$WORK/splunk" "$PY313" 'splunk-soar-sdk>=7,<8' uv pytest pytest-cov "$WHEEL"
step "venv: demisto-sdk 1.39.x (+ autopep8, which its format runs)" \
  install "$WORK/xsoar" "$PYPATH" 'demisto-sdk>=1.39,<1.40' autopep8
SPLUNK="$WORK/splunk/bin"
XSOAR="$WORK/xsoar/bin"
version() { "$1/python" -c "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))" "$2"; }
echo "      splunk-soar-sdk $(version "$SPLUNK" splunk-soar-sdk), demisto-sdk $(version "$XSOAR" demisto-sdk)"

# ------------------------------------------------------------------ export, from the installed wheel
# The Splunk app's folder name must be an identifier: the SDK imports the app as <folder>.src.app.
APP="$WORK/cisco_esa_app"; CONTENT="$WORK/content"; D3="$WORK/d3"
step "cisco-esa export splunk-soar / xsoar / d3 (installed wheel)" bash -c "
  '$SPLUNK/cisco-esa' export splunk-soar '$APP' && '$SPLUNK/cisco-esa' export xsoar '$WORK/xsoar_pack' &&
  '$SPLUNK/cisco-esa' export d3 '$D3'"

# ------------------------------------------------------------------ the simulator
"$SPLUNK/cisco-esa" simulator >"$WORK/sim.json" 2>"$LOGS/simulator.log" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$WORK/sim.json" ] && break; sleep 0.1; done
[ -s "$WORK/sim.json" ] || { echo "FAIL  the simulator did not start"; cat "$LOGS/simulator.log"; exit 1; }
"$SPLUNK/python" - "$WORK" <<'PY'
import json, os, sys
work = sys.argv[1]
sim = json.loads(open(f"{work}/sim.json").readline())
conn = {k: sim[k] for k in ("server_url", "username", "password")}
for name, value in (("conn.json", conn), ("asset.json", conn), ("bad_asset.json", {**conn, "password": "Wr0ng-pass"})):
    with open(os.open(f"{work}/{name}", os.O_WRONLY | os.O_CREAT, 0o600), "w") as fh:
        json.dump(value, fh)
PY

# ------------------------------------------------------------------ Splunk SOAR
export UV_PYTHON="$PY313"
export PHANTOM_HOME="$WORK/phantom"
cat >>"$APP/pyproject.toml" <<EOF

# Added by scripts/check_platforms.sh: our wheel from the loopback index (until it is on PyPI).
[[tool.uv.index]]
name = "local"
url = "$INDEX"
explicit = true

[tool.uv.sources]
$DIST = { index = "local" }
EOF
step "splunk: uv lock" bash -c "cd '$APP' && '$SPLUNK/uv' lock"
step "splunk: soarapps manifests create" bash -c "cd '$APP' && '$SPLUNK/soarapps' manifests create manifest.json ."
check_manifest() {
  "$SPLUNK/python" - "$APP/manifest.json" <<'PY'
import json, subprocess, sys, os
manifest = json.load(open(sys.argv[1]))
cli = os.path.join(os.path.dirname(sys.executable), "cisco-esa")
commands = json.loads(subprocess.run([cli, "commands", "--json"], check=True, capture_output=True, text=True).stdout)
expected = {c["id"] for c in commands if c["kind"] == "action"} | {"test_connectivity", "on_poll"}
actions = {a["identifier"] for a in manifest["actions"]}
assert actions == expected, actions ^ expected
paths = sum(len(a.get("output", [])) for a in manifest["actions"])
# the commands that write files (the app's FILES, from the manifest's `files:`): each file row's vault id is a datapath
import ast
app = ast.parse(open(os.path.join(os.path.dirname(sys.argv[1]), "src", "app.py")).read())
files = ast.literal_eval(next(n.value for n in app.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "FILES"))
assert files, "no command writes files"
by_id = {a["identifier"]: a for a in manifest["actions"]}
for cid, decl in files.items():
    path = f"action_result.data.*.data.{decl['rows']}.*.vault_id"
    [out] = [o for o in by_id[cid]["output"] if o["data_path"] == path]
    assert out["data_type"] == "string" and out.get("contains") == ["vault id"], out
    assert by_id[cid]["parameters"] and decl["folder"] not in by_id[cid]["parameters"], decl
print(f"{len(actions)} actions, {paths} datapaths, asset fields: {', '.join(manifest['configuration'])}; "
      f"vault ids of {', '.join(files)}")
PY
}
step "splunk: manifest lists every command (datapaths from the samples)" check_manifest
echo "      $(tail -1 "$LAST_LOG")"
step "splunk: soarapps test unit (on_poll resumes from the checkpoint)" bash -c "
  cd '$APP' && '$SPLUNK/soarapps' test unit --no-parallel"

# The local runner: python src/app.py action <id> -p params.json -a asset.json, against the simulator.
runner() {  # runner ACTION ASSET [PARAMS] -> its log on stdout
  local args=(action "$1" -a "$2")
  [ $# -ge 3 ] && args+=(-p "$3")
  (cd "$APP" && "$SPLUNK/python" src/app.py "${args[@]}" 2>&1)
}
expect() {  # expect TEXT LOG
  grep -qF -- "$1" "$2" || { echo "expected: $1"; cat "$2"; return 1; }
}
SECRET=$("$SPLUNK/python" -c "import json,sys; print(json.load(open(sys.argv[1]))['password'])" "$WORK/conn.json")
no_secret() { ! grep -qF -- "$SECRET" "$1" && ! grep -qF "Wr0ng-pass" "$1"; }
local_connectivity() {
  runner test_connectivity "$WORK/asset.json" >"$WORK/r1.log" && expect "Action success: True" "$WORK/r1.log" &&
  runner test_connectivity "$WORK/bad_asset.json" >"$WORK/r2.log" && expect "Action success: False" "$WORK/r2.log" &&
  expect "(status 401)" "$WORK/r2.log" && no_secret "$WORK/r2.log"
}
step "splunk: local runner test connectivity (ok; wrong password: failure, no secret)" local_connectivity
local_partial() {
  "$SPLUNK/cisco-esa" run search_messages --connection "$WORK/conn.json" \
    --params-json '{"start_time": "-1h", "end_time": "now"}' >"$WORK/search.json" &&
  "$SPLUNK/python" - "$WORK" <<'PY' &&
import json, sys
work = sys.argv[1]
msg = json.load(open(f"{work}/search.json"))["data"]["messages"][0]
params = {"appliance_serial_number": msg["serial_number"], "message_ids": f"{msg['mid']},999999"}
json.dump(params, open(f"{work}/details.json", "w"))
PY
  runner get_message_details "$WORK/asset.json" "$WORK/details.json" >"$WORK/r3.log" &&
  expect "Action success: True" "$WORK/r3.log" && expect "'status': 'Partially Successful'" "$WORK/r3.log" &&
  expect "'failed_ids': ['999999']" "$WORK/r3.log"
}
step "splunk: local runner get message details (partial: success + failed items)" local_partial
local_files() {
  # outside a platform the SDK's vault keeps attachments in memory and answers a vault id
  "$SPLUNK/cisco-esa" run search_pvo_quarantine_messages --connection "$WORK/conn.json" \
    --params-json '{"start_time": "-1d", "end_time": "now", "quarantines": ["Virus"], "limit": 1}' >"$WORK/pvo.json" &&
  "$SPLUNK/python" -c "import json, sys; m = json.load(open(sys.argv[1]))['data']['messages'][0]
json.dump({'quarantine_message_id': m['mid']}, open(sys.argv[2], 'w'))" "$WORK/pvo.json" "$WORK/download.json" &&
  runner download_pvo_quarantine_attachments "$WORK/asset.json" "$WORK/download.json" >"$WORK/r5.log" &&
  expect "Action success: True" "$WORK/r5.log" && expect '"vault_id": "' "$WORK/r5.log" &&
  expect "file(s) added to the vault" "$WORK/r5.log" &&
  folder=$(sed -n 's/.*"output_dir": "\([^"]*\)".*/\1/p' "$WORK/r5.log" | head -1) &&
  [ -n "$folder" ] && [ ! -e "$folder" ] || { echo "the action's folder ${folder:-?} was not removed"; return 1; }
}
step "splunk: local runner download attachments (each file to the vault, its folder removed)" local_files
"$SPLUNK/cisco-esa" run fetch_event --connection "$WORK/conn.json" \
  --params-json '{"messages_source": "Message Tracking", "start_time": "-1h", "end_time": "now", "max_events": 5}' \
  >"$WORK/fetch.json" || true
if grep -q '"_item_id"' "$WORK/fetch.json"; then
  echo '{}' >"$WORK/poll.json"
  local_poll() {
    runner on_poll "$WORK/asset.json" "$WORK/poll.json" >"$WORK/r4.log" && expect "Action success: True" "$WORK/r4.log" &&
    expect "Creating container" "$WORK/r4.log"
  }
  step "splunk: local runner on poll (containers from the simulator)" local_poll
else
  skip "splunk: local runner on poll: the runtime does not tag events with _item_id yet (contract §3)"
fi
build_app() {
  # Parallel wheel downloads time out here: the SDK's own build, with its downloads limited to 4 at a time.
  (cd "$APP" && "$SPLUNK/python" - -o "$WORK/cisco_esa_app.tgz" . <<'PY'
import asyncio, sys
from soar_sdk.cli.cli import main
from soar_sdk.meta.dependencies import sources

fetch, gate = sources.UvWheel.fetch, {}

async def limited_fetch(self):
    async with gate.setdefault("downloads", asyncio.Semaphore(4)):
        for attempt in range(3):
            try:
                return await fetch(self)
            except Exception:
                if attempt == 2:
                    raise

sources.UvWheel.fetch = limited_fetch
sys.argv = ["soarapps", "package", "build", *sys.argv[1:]]
sys.exit(main())
PY
  ) && tar tzf "$WORK/cisco_esa_app.tgz" >"$WORK/tgz.txt" && grep -q "/manifest.json$" "$WORK/tgz.txt" &&
  grep -q "/src/app.py$" "$WORK/tgz.txt" && grep -q "/wheels/.*cisco_esa_soar-.*\.whl$" "$WORK/tgz.txt"
}
step "splunk: soarapps package build (app tgz with our wheel)" build_app

# ------------------------------------------------------------------ Cortex XSOAR
export DEMISTO_SDK_IGNORE_CONTENT_WARNING=1
PACK=$(ls "$WORK/xsoar_pack/Packs")
skeleton() {
  # A content-repository skeleton: a git repo with Packs/ and the Config/approved_* lists it checks against.
  mkdir -p "$CONTENT/Config" && cp -r "$WORK/xsoar_pack/Packs" "$CONTENT/" &&
  "$XSOAR/python" - "$CONTENT" <<'PY' &&
import json, pathlib, sys
content = pathlib.Path(sys.argv[1])
meta = json.loads(next(content.glob("Packs/*/pack_metadata.json")).read_text())
lists = {"approved_categories.json": {"approved_list": meta["categories"]},
         "approved_usecases.json": {"approved_list": meta["useCases"]},
         "approved_tags.json": {"approved_list": {"common": meta["tags"], "xsoar": [], "marketplacev2": [], "xpanse": []}}}
for name, value in lists.items():
    (content / "Config" / name).write_text(json.dumps(value, indent=4))
PY
  git -C "$CONTENT" init -q && git -C "$CONTENT" add -A &&
  git -C "$CONTENT" -c user.name=check -c user.email=check@localhost commit -qm "exported pack"
}
step "xsoar: content-repo skeleton with the exported pack" skeleton
offline_config() {
  # The content repository's own path-based validators, less the 18 that need Docker Hub, GitHub
  # or a content graph database (none reachable here).
  "$XSOAR/python" - "$WORK/offline.toml" <<'PY'
import pathlib, sys, tomllib
import demisto_sdk
NEEDS_NETWORK = {
    "GR100", "GR102", "GR104", "GR105", "GR108", "GR113", "GR118",  # content graph (neo4j)
    "LO100", "PB133", "PA124", "SC109", "IF117",                    # content graph
    "DO100", "DO103", "DO104", "IN142", "AG115",                    # Docker Hub / docker images
    "PA127",                                                        # GitHub
}
config = pathlib.Path(demisto_sdk.__file__).parent / "commands" / "validate" / "sdk_validation_config.toml"
select = tomllib.loads(config.read_text())["path_based_validations"]["select"]
ran = [code for code in select if code not in NEEDS_NETWORK]
pathlib.Path(sys.argv[1]).write_text("[path_based_validations]\nselect = [%s]\nwarning = []\n" % ", ".join(f'"{c}"' for c in ran))
print(f"{len(ran)} of {len(select)} path-based validators")
PY
}
step "xsoar: offline validate config" offline_config
echo "      $(tail -1 "$LAST_LOG")"
step "xsoar: demisto-sdk validate" bash -c "
  cd '$CONTENT' && '$XSOAR/demisto-sdk' validate -i 'Packs/$PACK' --config-path '$WORK/offline.toml'"
step "xsoar: demisto-sdk format changes nothing" bash -c "
  cd '$CONTENT' && '$XSOAR/demisto-sdk' format -i 'Packs/$PACK' -nv -y -ngr &&
  git status --porcelain && test -z \"\$(git status --porcelain)\""
step "xsoar: xsoar-lint" bash -c "cd '$CONTENT' && '$XSOAR/demisto-sdk' xsoar-lint Packs/$PACK/Integrations/*/*.py"
step "xsoar: prepare-content (unified YAML)" bash -c "
  mkdir -p '$WORK/unified' && cd '$CONTENT' && '$XSOAR/demisto-sdk' prepare-content -i Packs/$PACK/Integrations/$PACK -o '$WORK/unified' &&
  grep -q '^  isfetch: true' '$WORK'/unified/integration-*.yml && grep -q 'from cisco_esa import Integration' '$WORK'/unified/integration-*.yml"
step "xsoar: zip-packs (uploadable pack)" bash -c "
  cd '$CONTENT' && '$XSOAR/demisto-sdk' zip-packs -i 'Packs/$PACK' -o '$WORK/zips' && test -s '$WORK/zips/uploadable_packs/$PACK.zip'"

# ------------------------------------------------------------------ D3 SOAR (stand-in)
d3_standin() {
  "$SPLUNK/python" - "$D3" "$WORK/conn.json" <<'PY'
# STAND-IN pb and runtime (D3 publishes no SDK): the exported script with our own `pb` recorder.
import importlib.util, json, pathlib, sys
script = next(pathlib.Path(sys.argv[1]).glob("*.py"))
conn = json.load(open(sys.argv[2]))

class Pb:  # stand-in of D3's pb
    def returnOutputModel(self, resultData, returnData, keyFields, contextData, rawData, error):
        return {"result": resultData, "status": returnData, "keys": keyFields, "context": contextData, "error": error}

def load(connector):
    spec = importlib.util.spec_from_file_location("d3_script", script)
    module = importlib.util.module_from_spec(spec)
    module.pb, module.runtime = Pb(), {"connector": connector}
    spec.loader.exec_module(module)
    return module

d3 = load(conn)
assert d3.test_connection()["status"] == "Successful"
found = d3.search_messages("-1h", "now")
assert found["status"] == "Successful" and found["result"]["messages"], found["error"]
msg = found["result"]["messages"][0]
partial = d3.get_message_details(msg["serial_number"], f"{msg['mid']},999999")
assert partial["status"] == "Partially Successful" and partial["error"]["status_code"] == 404, partial["error"]
first = d3.fetch_event("Message Tracking", "-1h", "now", max_events=5)
second = d3.fetch_event("Message Tracking", "-1h", "now", max_events=5, checkpoint=json.dumps(first["result"]["checkpoint"]))
ids = lambda out: [i["id"] for i in out["keys"]["items"]]
assert first["status"] == second["status"] == "Successful" and not set(ids(first)) & set(ids(second))
failed = load({**conn, "password": "Wr0ng-pass"}).test_connection()
assert failed["status"] == "Failed" and failed["error"]["status_code"] == 401 and "Wr0ng-pass" not in json.dumps(failed)
print("D3 script under STAND-IN pb/runtime: read, partial, fetch resumed from its checkpoint, failure")
PY
}
step "d3: the script with our STAND-IN pb/runtime against the simulator" d3_standin

echo "check_platforms: all passed in $((SECONDS - START))s"
