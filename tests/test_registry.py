"""Fail at load: building an Integration loads the manifest, every schema, every handler and every
field mapping, and a bundle broken in several places fails the constructor with every problem
listed, each naming its file."""

from __future__ import annotations

import json

import pytest

from cisco_esa.core.registry import ManifestError
from cisco_esa.integration import Integration
from tests.scenarios.common import BASIC


def test_registry_intact_copy_builds_and_runs(bundle):
    envelope = Integration(BASIC, bundle=bundle).run("get_report", {"start_time": "-1h", "end_time": "-2h"})
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400


def test_registry_every_broken_part_is_listed_when_the_integration_is_built(bundle):
    schema = json.loads((bundle / "schemas" / "get_report.json").read_text())
    schema["properties"]["top"]["type"] = "objekt"
    (bundle / "schemas" / "get_report.json").write_text(json.dumps(schema))
    (bundle / "commands" / "get_dlp_details.py").write_text("def run(params, ctx)\n    return None\n")
    (bundle / "commands" / "search_list_entries.py").write_text('"""no run here"""\n')
    (bundle / "commands" / "delete_entries.py").unlink()
    mapping = bundle / "field_mappings" / "spam_quarantine.yaml"
    mapping.write_text(mapping.read_text().replace('path: ".attributes.subject"', 'path: ".attributes[subject"'))

    with pytest.raises(ManifestError) as info:
        Integration(BASIC, bundle=bundle)
    problems = info.value.problems
    text = "\n".join(problems)
    assert f"{bundle / 'schemas' / 'get_report.json'}: properties.top.type:" in text and "'objekt'" in text
    assert f"{bundle / 'commands' / 'get_dlp_details.py'}: cannot be imported: SyntaxError" in text
    assert f"{bundle / 'commands' / 'search_list_entries.py'}" in text and "has no function run" in text
    assert f"{bundle / 'commands' / 'delete_entries.py'}: missing" in text
    assert "spam_quarantine.yaml" in text and "Subject" in text
    assert len(problems) == 5


def test_registry_manifest_problems_are_all_listed(bundle):
    text = (bundle / "integration.yaml").read_text()
    text = text.replace("kind: fetch_event", "kind: widget").replace("read_only: true", "read_only: yes please", 1)
    (bundle / "integration.yaml").write_text(text)
    with pytest.raises(ManifestError) as info:
        Integration(BASIC, bundle=bundle)
    assert len(info.value.problems) == 2
    assert all(p.startswith(f"{bundle / 'integration.yaml'}: commands.") for p in info.value.problems)


def test_registry_files_declaration_is_checked_against_the_schema_and_the_meta_schema(bundle):
    text = (bundle / "integration.yaml").read_text()
    declared = "files: {folder: output_dir, rows: files, path: path, name: name}"
    assert text.count(declared) == 1
    (bundle / "integration.yaml").write_text(text.replace(declared, "files: {folder: out_folder, rows: files, path: path, name: name}"))
    with pytest.raises(ManifestError) as info:
        Integration(BASIC, bundle=bundle)
    assert info.value.problems == [f"{bundle / 'integration.yaml'}: commands.download_pvo_quarantine_attachments.files.folder: "
                                   f"{bundle / 'schemas' / 'download_pvo_quarantine_attachments.json'} has no parameter out_folder"]
    (bundle / "integration.yaml").write_text(text.replace(declared, "files: {folder: output_dir, rows: files, path: path}"))
    with pytest.raises(ManifestError) as info:
        Integration(BASIC, bundle=bundle)
    [problem] = info.value.problems
    assert problem.startswith(f"{bundle / 'integration.yaml'}: commands.") and "'name' is a required property" in problem
