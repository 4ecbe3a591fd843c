"""The bundle's YAML documents carried parsed (core/yamldoc.py): parsed_yaml.json is current, and an
entry is used only for the exact bytes it was parsed from; anything else is parsed as YAML."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from cisco_esa.core import resources, yamldoc


def test_yamldoc_parsed_copy_is_current():
    written = (resources.BUNDLE / yamldoc.PARSED_NAME).read_text(encoding="utf-8")
    assert written == yamldoc.render(resources.BUNDLE), \
        "parsed_yaml.json is stale: run `python -m cisco_esa.core.yamldoc`"


def test_yamldoc_every_document_of_the_bundle_is_carried_and_equals_its_yaml():
    entries = json.loads((resources.BUNDLE / yamldoc.PARSED_NAME).read_text())["documents"]
    for path in yamldoc.documents(resources.BUNDLE):
        raw = path.read_bytes()
        entry = entries[path.relative_to(resources.BUNDLE).as_posix()]
        assert entry["sha256"] == hashlib.sha256(raw).hexdigest()
        assert entry["data"] == yamldoc.parse_yaml(raw.decode())
        assert yamldoc.load(path) == (raw, entry["data"])


@pytest.fixture
def copy(tmp_path) -> Path:
    root = tmp_path / "bundle"
    (root / "field_mappings").mkdir(parents=True)
    for name in ("integration.yaml", yamldoc.PARSED_NAME):
        shutil.copy(resources.BUNDLE / name, root / name)
    for path in (resources.FIELD_MAPPINGS).glob("*.yaml"):
        shutil.copy(path, root / "field_mappings" / path.name)
    return root


def test_yamldoc_an_edited_document_is_parsed_as_yaml_not_taken_from_the_copy(copy):
    path = copy / "integration.yaml"
    path.write_text(path.read_text().replace("display_name: Cisco", "display_name: Edited Cisco", 1))
    raw, data = yamldoc.load(path, copy)
    assert data["display_name"].startswith("Edited Cisco") and raw == path.read_bytes()


def test_yamldoc_the_copy_is_what_an_unchanged_document_reads(copy, monkeypatch):
    parsed = json.loads((copy / yamldoc.PARSED_NAME).read_text())
    parsed["documents"]["integration.yaml"]["data"]["display_name"] = "from the parsed copy"
    (copy / yamldoc.PARSED_NAME).write_text(json.dumps(parsed))
    calls = []
    monkeypatch.setattr(yamldoc, "parse_yaml", lambda text: calls.append(text))
    assert yamldoc.load(copy / "integration.yaml", copy)[1]["display_name"] == "from the parsed copy"
    assert calls == []


@pytest.mark.parametrize("content", [b"", b"not json", b"[]", b'{"documents": []}', b'{"documents": {"integration.yaml": 1}}'])
def test_yamldoc_a_missing_or_broken_parsed_copy_falls_back_to_yaml(copy, content):
    (copy / yamldoc.PARSED_NAME).write_bytes(content)
    raw, data = yamldoc.load(copy / "integration.yaml", copy)
    assert data == yamldoc.parse_yaml(raw.decode())
    (copy / yamldoc.PARSED_NAME).unlink()
    assert yamldoc.load(copy / "integration.yaml", copy)[1] == data


def test_yamldoc_a_document_outside_the_bundle_or_not_listed_is_parsed(copy, tmp_path):
    other = tmp_path / "elsewhere.yaml"
    other.write_text("a: 1\n")
    assert yamldoc.load(other, copy) == (b"a: 1\n", {"a": 1})
    listed = copy / "field_mappings" / "new.yaml"
    listed.write_text("b: [1, 2]\n")
    assert yamldoc.load(listed, copy)[1] == {"b": [1, 2]}


def test_yamldoc_bad_yaml_is_a_document_error():
    with pytest.raises(yamldoc.DocumentError):
        yamldoc.parse_yaml("a: [1, 2\n")


def test_yamldoc_render_refuses_data_json_would_change(copy):
    (copy / "field_mappings" / "dated.yaml").write_text("when: 2026-12-01\n")
    with pytest.raises(ValueError, match="dated.yaml: its data has no exact JSON form"):
        yamldoc.render(copy)


def test_yamldoc_run_as_a_script_writes_the_bundles_parsed_copy(tmp_path):
    # in a wheel's layout (the bundle inside the package), so the checkout's own file is never touched
    import subprocess
    import sys

    package = tmp_path / "cisco_esa"
    shutil.copytree(resources.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(resources.MANIFEST, package / "integration.yaml")
    shutil.copytree(resources.FIELD_MAPPINGS, package / "field_mappings")
    (package / "field_mappings" / "message_tracking.yaml").write_text(
        (resources.FIELD_MAPPINGS / "message_tracking.yaml").read_text().replace(
            "display_name: Message Tracking", "display_name: Nachrichtenverfolgung (Prüfung)"))
    done = subprocess.run([sys.executable, "-m", "cisco_esa.core.yamldoc"], cwd=tmp_path, capture_output=True,
                          text=True, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    written = package / yamldoc.PARSED_NAME
    assert done.stdout == f"wrote {written}\n"
    assert written.read_text(encoding="utf-8") == yamldoc.render(package)
    assert "(Prüfung)" in written.read_text(encoding="utf-8")  # text as written, not \u escapes
