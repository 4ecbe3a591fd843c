"""The record of documents already found valid (core/validcache.py): a hit skips the check, a changed
byte misses, problems are never recorded, an unwritable or disabled cache only costs the check; and a
bundle broken after a clean start still fails the Integration with every problem listed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cisco_esa.core import validcache
from cisco_esa.core.registry import ManifestError
from cisco_esa.integration import Integration
from tests.scenarios.common import BASIC


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(validcache.DISABLE_ENV, raising=False)
    return tmp_path / "cache" / "cisco-esa" / "valid"


def counting(problems: list[str]):
    calls = []

    def run():
        calls.append(1)
        return list(problems)
    return run, calls


def test_validcache_same_bytes_hit_without_running_the_check(cache):
    run, calls = counting([])
    assert validcache.problems("check", b'{"type": "object"}', run) == []
    assert validcache.problems("check", b'{"type": "object"}', run) == []
    assert len(calls) == 1 and len(list(cache.iterdir())) == 1


def test_validcache_one_changed_byte_or_another_check_misses(cache):
    run, calls = counting([])
    validcache.problems("check", b'{"type": "object"}', run)
    validcache.problems("check", b'{"type": "objecT"}', run)
    validcache.problems("other check", b'{"type": "object"}', run)
    assert len(calls) == 3


def test_validcache_another_validator_version_misses(cache, monkeypatch):
    run, calls = counting([])
    validcache.problems("check", b"{}", run)
    monkeypatch.setitem(validcache._versions, "jsonschema", "jsonschema==0.0.1")
    validcache.problems("check", b"{}", run)
    assert len(calls) == 2


def test_validcache_problems_are_never_recorded(cache):
    run, calls = counting(["x: broken"])
    assert validcache.problems("check", b"{}", run) == ["x: broken"]
    assert validcache.problems("check", b"{}", run) == ["x: broken"]
    assert len(calls) == 2 and not cache.exists()


def test_validcache_unwritable_directory_is_skipped_silently(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.delenv(validcache.DISABLE_ENV, raising=False)
    run, calls = counting([])
    assert validcache.problems("check", b"{}", run) == []
    assert validcache.problems("check", b"{}", run) == []
    assert len(calls) == 2


def test_validcache_disabled_by_the_environment_checks_every_time(cache, monkeypatch):
    monkeypatch.setenv(validcache.DISABLE_ENV, "1")
    run, calls = counting([])
    validcache.problems("check", b"{}", run)
    validcache.problems("check", b"{}", run)
    assert len(calls) == 2 and not cache.exists() and validcache.directory() is None


def test_validcache_relative_xdg_cache_home_is_ignored(monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.delenv(validcache.DISABLE_ENV, raising=False)
    assert validcache.directory() == Path.home() / ".cache" / "cisco-esa" / "valid"


def test_validcache_schema_broken_after_a_clean_start_still_fails_the_integration(cache, bundle):
    Integration(BASIC, bundle=bundle)  # every part recorded as valid
    assert any(cache.iterdir())
    path = bundle / "schemas" / "get_message_details.json"
    schema = json.loads(path.read_text())
    schema["properties"]["appliance_serial_number"]["x-from"] = ["search_messages: data.messages[*.serial_number"]
    schema["properties"]["injection_connection_id"]["type"] = "objekt"
    path.write_text(json.dumps(schema, indent=2))
    text = (bundle / "integration.yaml").read_text().replace("kind: fetch_event", "kind: widget")
    (bundle / "integration.yaml").write_text(text)
    with pytest.raises(ManifestError) as info:
        Integration(BASIC, bundle=bundle)
    assert len(info.value.problems) == 1 and "commands." in info.value.problems[0]  # the manifest first
    (bundle / "integration.yaml").write_text(text.replace("kind: widget", "kind: fetch_event"))
    with pytest.raises(ManifestError) as info:
        Integration(BASIC, bundle=bundle)
    text = "\n".join(info.value.problems)
    assert f"{path}: properties.injection_connection_id.type:" in text and "'objekt'" in text
    # the type error keeps params from loading; fixed, the x-from path is checked again
    del schema["properties"]["injection_connection_id"]["type"]
    path.write_text(json.dumps(schema, indent=2))
    with pytest.raises(ManifestError) as info:
        Integration(BASIC, bundle=bundle)
    assert info.value.problems == [
        f"{path}: properties.appliance_serial_number.x-from.0: 'data.messages[*.serial_number' is not a JSONPath: "
        + info.value.problems[0].split("is not a JSONPath: ", 1)[1]]


def test_validcache_warm_start_imports_no_jsonpath_ng(cache):
    code = "import sys; from cisco_esa.integration import Integration; Integration({}); print('jsonpath_ng' in sys.modules)"
    env = {"XDG_CACHE_HOME": str(cache.parents[1]), "PATH": "/usr/bin:/bin"}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert (first.stdout, second.stdout) == ("True\n", "False\n")


def _start(code: str, cache: Path) -> str:
    env = {"XDG_CACHE_HOME": str(cache.parents[1]), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout


def test_validcache_second_start_of_the_checked_bundle_loads_commands_on_first_use(cache):
    # the first start checks the whole bundle (every handler imported); the next one, of the same files,
    # imports none at start, and a command's schema and handler still load when it is looked up
    code = ("import sys; from cisco_esa.integration import Integration; i = Integration({}); "
            "n = sum(m.startswith('cisco_esa.commands.') for m in sys.modules); "
            "c = i.registry.find('block_domain'); ok = callable(c.handler) and 'sender_list' in c.params.properties; "
            "print(n, sum(m.startswith('cisco_esa.commands.') for m in sys.modules) > n, ok, 'yaml' in sys.modules)")
    first = _start(code, cache).split()
    second = _start(code, cache).split()
    assert int(first[0]) >= 50 and first[2] == "True"
    assert second == ["0", "True", "True", "False"]


@pytest.fixture
def recheck(cache, monkeypatch):
    """_checked_default as a new process runs it, with the bundle's state steered and check() counted."""
    from cisco_esa import integration
    from cisco_esa.core.registry import Manifest

    calls = []
    real = Manifest.check
    monkeypatch.setattr(Manifest, "check", lambda self: calls.append(1) or real(self))
    state = {"value": b"state one"}
    monkeypatch.setattr(integration, "_default_bundle_state", lambda: state["value"])
    return lambda: integration._checked_default.__wrapped__(), calls, state


def test_validcache_bundle_record_hit_skips_the_check_and_a_changed_file_misses(recheck):
    start, calls, state = recheck
    start()
    start()
    assert len(calls) == 1
    state["value"] = b"state two"  # a file rewritten, added or removed
    start()
    assert len(calls) == 2


def test_validcache_bundle_with_problems_is_never_recorded(recheck, monkeypatch):
    from cisco_esa.core.registry import Manifest

    start, calls, _state = recheck
    monkeypatch.setattr(Manifest, "check", lambda self: calls.append(1) or ["commands/x.py: broken"])
    for _ in range(2):
        with pytest.raises(ManifestError, match="commands/x.py: broken"):
            start()
    assert len(calls) == 2


def test_validcache_bundle_state_unreadable_checks_in_full(recheck, monkeypatch):
    from cisco_esa import integration

    start, calls, _state = recheck

    def unreadable():
        raise OSError("gone")
    monkeypatch.setattr(integration, "_default_bundle_state", unreadable)
    start()
    start()
    assert len(calls) == 2


def test_validcache_files_state_sees_a_rewrite_with_the_same_bytes_and_a_new_file(tmp_path):
    (tmp_path / "deep" / "__pycache__").mkdir(parents=True)
    a = tmp_path / "a.py"
    a.write_text("x = 1\n")
    folders = [(tmp_path, (".py",), True)]
    before = validcache.files_state(folders)
    assert validcache.files_state(folders) == before and str(a).encode() in before
    (tmp_path / "deep" / "__pycache__" / "b.py").write_text("")
    (tmp_path / "deep" / "c.txt").write_text("")
    assert validcache.files_state(folders) == before  # bytecode folders and other endings are not looked at
    (tmp_path / "deep" / "d.py").write_text("")
    added = validcache.files_state(folders)
    assert added != before
    stat = a.stat()
    a.write_text("x = 1\n")
    import os
    os.utime(a, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # even with its modification time set back
    assert validcache.files_state(folders) != added
    assert validcache.files_state([(tmp_path, (".py",), False)]) != validcache.files_state(folders)


def test_validcache_version_of_reads_dist_info_names_as_importlib_metadata_does():
    from importlib.metadata import version

    for dist in ("jsonschema", "jsonschema-specifications", "jsonpath-ng", "PyYAML", "requests"):
        assert validcache.version_of(dist) == f"{dist}=={version(dist)}"


def test_validcache_part_broken_behind_a_record_fails_its_command_naming_it(monkeypatch):
    # what a forged record (or a change the file state missed) can do at worst: the command whose
    # part is broken fails when first used, naming the problem; no internal error, no request
    from cisco_esa.core.registry import Command, ManifestError as Broken

    integration = Integration(BASIC)
    spec = integration.registry.find("test_connection")
    monkeypatch.delitem(spec.__dict__, "handler", raising=False)

    def broken(self):
        raise Broken([f"{self.commands_dir}/{self.id}.py: cannot be imported: SyntaxError: invalid syntax"])
    monkeypatch.setattr(Command, "handler", property(broken))
    envelope = integration.run("test_connection", {})
    assert envelope["status"] == "Failed", envelope
    assert envelope["error"]["message"].startswith("The integration's files are broken: ")
    assert "test_connection.py: cannot be imported: SyntaxError" in envelope["error"]["message"]


@pytest.fixture
def dists(tmp_path, monkeypatch):
    """A sys.path of one folder of made-up distributions, a missing folder and a file."""
    site = tmp_path / "site"
    for name in ("jsonschema-4.23.0.dist-info", "Foo.Bar-1.2.dist-info", "baz_qux-3.0rc1.dist-info",
                 "nodash.dist-info", "old-0.1.egg-info", "pkg-9.dist-info-notes"):
        (site / name).mkdir(parents=True)
    (tmp_path / "a-file.zip").write_bytes(b"")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing"), str(tmp_path / "a-file.zip"), str(site)])
    validcache.installed.cache_clear()
    monkeypatch.setattr(validcache, "_versions", {})
    yield site
    validcache.installed.cache_clear()


def test_validcache_installed_reads_each_dist_info_name_of_the_path(dists):
    assert validcache.installed() == (("baz_qux", "3.0rc1"), ("foo_bar", "1.2"), ("jsonschema", "4.23.0"))


def test_validcache_version_of_one_dist_info_without_importlib_metadata(dists, monkeypatch):
    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "version", lambda name: pytest.fail(f"asked metadata for {name}"))
    assert validcache.version_of("Foo-Bar") == "Foo-Bar==1.2"
    assert validcache.version_of("jsonschema") == "jsonschema==4.23.0"


def test_validcache_version_of_none_or_two_dist_infos_asks_importlib_metadata(dists, monkeypatch):
    import importlib.metadata

    (dists.parent / "other").mkdir()
    (dists.parent / "other" / "foo_bar-2.0.dist-info").mkdir()
    sys.path.append(str(dists.parent / "other"))
    validcache.installed.cache_clear()
    monkeypatch.setattr(importlib.metadata, "version", lambda name: f"{name}-from-metadata")
    assert validcache.version_of("foo-bar") == "foo-bar==foo-bar-from-metadata"
    assert validcache.version_of("absent") == "absent==absent-from-metadata"


def test_validcache_key_parts_are_length_prefixed_and_digest_names_the_bytes():
    assert validcache.key("ab", b"c") != validcache.key("a", b"bc")
    assert validcache.digest(b"a") != validcache.digest(b"b") and len(validcache.digest(b"a")) == 64


def test_validcache_files_state_does_not_follow_a_folder_link(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.py").write_text("")
    (tmp_path / "real" / "loop").symlink_to(tmp_path / "real")  # a link back up: followed, it never ends
    (tmp_path / "elsewhere").symlink_to(tmp_path / "real", target_is_directory=True)
    state = validcache.files_state([(tmp_path, (".py",), True)]).decode()
    assert state.count("a.py") == 1 and "loop" not in state and "elsewhere" not in state
