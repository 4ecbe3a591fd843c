"""The `--connection FILE` reader (contract §2, issue 10 point 10): every value taken exactly as
written (no YAML 1.1 octal, sexagesimal or trimming), aliases refused, non-scalars refused naming
the parameter; through the command line, against the simulator where a login proves the value."""

from __future__ import annotations

import json

import pytest

from esa_simulator import auth as sim_auth
from tests.cli_helpers import run_cli

# A 386-byte "billion laughs": nine levels of nine aliases each, a few GB once expanded.
ALIAS_BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{n}: &{n} [{','.join(['*' + p] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi")]
) + "\npassword: *i\n"


@pytest.fixture
def account(monkeypatch):
    """Add a simulator account whose password a YAML 1.1 reader would change; returns its name."""
    def add(name: str, password: str) -> str:
        monkeypatch.setitem(sim_auth.USERS, name, {"password": password, "role": "Operator"})
        return name
    return add


def _file(tmp_path, text: str, name: str = "esa.yaml"):
    path = tmp_path / name
    path.write_text(text)
    path.chmod(0o600)
    return path


def _test_connection(capsys, path, *extra):
    code, out, err = run_cli(capsys, "run", "test_connection", "--output", "json", "--connection", str(path), *extra)
    return code, (json.loads(out) if out else None), err


@pytest.mark.parametrize("written, password", [
    ("0777", "0777"),            # YAML 1.1: the octal 511
    ("12:30", "12:30"),          # YAML 1.1: the sexagesimal 750
    ("1e3", "1e3"),              # a float to YAML
    ("yes", "yes"),              # a boolean to YAML 1.1
    ("0x1F", "0x1F"),            # the hexadecimal 31
    ("null", "null"),            # None to YAML
    ("'  pass  '", "  pass  "),  # quoted spaces are the password's own
    ('"tab\\there"', "tab\there"),
])
def test_test_connection_connection_file_password_taken_as_written_successful(capsys, sim, tmp_path, account,
                                                                              written, password):
    user = account("literal", password)
    path = _file(tmp_path, f"server_url: {sim.url}\nusername: {user}\npassword: {written}\nca_bundle: {sim.ca_file}\n")
    code, envelope, err = _test_connection(capsys, path)
    assert (code, envelope["status"], envelope["data"]["user"]) == (0, "Successful", user), envelope["error"]
    assert password.strip() == "" or password not in err


def test_test_connection_connection_file_json_values_kept_successful(capsys, sim, tmp_path, account):
    user = account("jsonuser", "0777")
    path = _file(tmp_path, json.dumps({"server_url": sim.url, "username": user, "password": "0777",
                                       "ca_bundle": sim.ca_file, "timeout": 30, "verify_tls": True}), "esa.json")
    code, envelope, _ = _test_connection(capsys, path)
    assert (code, envelope["status"], envelope["data"]["user"]) == (0, "Successful", user)


def test_test_connection_connection_file_yaml_numbers_and_booleans_still_read(capsys, sim, tmp_path):
    # kept as text by the reader, typed by the connection schema as an environment variable is
    path = _file(tmp_path, f"server_url: {sim.url}\nusername: admin\npassword: '{sim.password}'\n"
                           f"ca_bundle: {sim.ca_file}\ntimeout: 30\nverify_tls: true\nproxy:\n")
    code, envelope, _ = _test_connection(capsys, path)
    assert (code, envelope["status"]) == (0, "Successful")


def test_test_connection_connection_file_alias_bomb_refused_exit_2(capsys, tmp_path):
    assert len(ALIAS_BOMB.encode()) < 400
    path = _file(tmp_path, "server_url: https://esa.test:6443\nusername: u\n" + ALIAS_BOMB)
    code, envelope, err = _test_connection(capsys, path)
    assert (code, envelope) == (2, None)
    assert err.startswith("usage:") or "cisco-esa: error:" in err
    assert f"--connection file {path} uses a YAML alias (*name): write each value out" in err


def test_test_connection_connection_file_single_alias_refused_exit_2(capsys, tmp_path):
    path = _file(tmp_path, "server_url: &s https://esa.test:6443\nusername: *s\npassword: p\n")
    code, envelope, err = _test_connection(capsys, path)
    assert (code, envelope) == (2, None) and "uses a YAML alias" in err


@pytest.mark.parametrize("text, name, kind", [
    ("password: [a, b]\n", "password", "a list"),
    ("password:\n  - secret-1\n", "password", "a list"),
    ("timeout: {seconds: 5}\n", "timeout", "a map"),
    ('{"username": "u", "password": ["x"]}', "password", "a list"),
    ('{"proxy": {"url": "http://p:1"}}', "proxy", "a map"),
])
def test_test_connection_connection_file_non_scalar_refused_naming_parameter_exit_2(capsys, tmp_path, text, name, kind):
    path = _file(tmp_path, "server_url: https://esa.test:6443\n" + text if not text.startswith("{") else text)
    code, envelope, err = _test_connection(capsys, path)
    assert (code, envelope) == (2, None)
    assert f"--connection file {path}: {name} must be a single value, not {kind}" in err
    assert "secret-1" not in err and "http://p:1" not in err  # a usage message never repeats a value


@pytest.mark.parametrize("text", ["password: a\npassword: b\n", '{"password": "a", "password": "b"}'])
def test_test_connection_connection_file_key_twice_refused_exit_2(capsys, tmp_path, text):
    path = _file(tmp_path, text)
    code, envelope, err = _test_connection(capsys, path)
    assert (code, envelope) == (2, None)
    assert f"--connection file {path} gives password more than once" in err


def test_test_connection_connection_file_too_large_refused_exit_2(capsys, tmp_path):
    path = _file(tmp_path, "# padding\n" * 200_000)
    code, envelope, err = _test_connection(capsys, path)
    assert (code, envelope) == (2, None) and "is larger than" in err


def test_test_connection_connection_file_flags_still_beat_it(capsys, sim, tmp_path, account):
    user = account("flagged", "0777")
    path = _file(tmp_path, f"server_url: http://127.0.0.1:9\nusername: {user}\npassword: 0777\n")
    code, envelope, _ = _test_connection(capsys, path, "--server-url", sim.url, "--ca-bundle", sim.ca_file)
    assert (code, envelope["status"]) == (0, "Successful")
