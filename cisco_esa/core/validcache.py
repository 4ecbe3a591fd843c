"""A record, in the user's cache directory, of documents that already passed a schema check: start-up
skips validating bytes it has seen pass before (issue 12, goal 5). It is trusted for nothing else."""

from __future__ import annotations

import hashlib
import os
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Callable

# Set to anything but "" or "0" to validate everything at every start, as if no cache existed.
DISABLE_ENV = "CISCO_ESA_NO_VALIDATION_CACHE"

_versions: dict[str, str] = {}


def directory() -> Path | None:
    """Where the record lives (XDG_CACHE_HOME, else ~/.cache), or None when it is turned off."""
    if os.environ.get(DISABLE_ENV, "") not in ("", "0"):
        return None
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec: a relative value is to be ignored
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cisco-esa" / "valid"


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@lru_cache(maxsize=1)
def installed() -> tuple[tuple[str, str], ...]:
    """(name, version) of every distribution installed on sys.path, read from the names of their
    `.dist-info` folders (`jsonschema-4.23.0.dist-info`): a directory listing, where importlib.metadata
    would open and parse every METADATA file it passes (a few milliseconds of each start)."""
    found = set()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:  # a zip, a missing folder
            continue
        for name in names:
            if not name.endswith(".dist-info"):
                continue
            dist, dash, version = name[: -len(".dist-info")].partition("-")
            if dash:
                found.add((_normal(dist), version))
    return tuple(sorted(found))


def version_of(dist: str) -> str:
    """`dist==version` of an installed distribution, for a check's name."""
    if dist not in _versions:
        wanted = _normal(dist)
        versions = [v for name, v in installed() if name == wanted]
        if len(versions) == 1:
            _versions[dist] = f"{dist}=={versions[0]}"
        else:  # none on sys.path as a .dist-info (an egg, a zip), or several: ask importlib.metadata
            from importlib.metadata import PackageNotFoundError, version

            try:
                _versions[dist] = f"{dist}=={version(dist)}"
            except PackageNotFoundError:
                _versions[dist] = f"{dist}==?"
    return _versions[dist]


def _validator_versions() -> str:
    # A new jsonschema (or new meta-schemas) may judge the same bytes differently: its version is in the key.
    return version_of("jsonschema") + ";" + version_of("jsonschema-specifications")


def key(check: str, document: bytes) -> str:
    """sha256 of the validator's versions, the check (the schema that judged, by id or by its own
    bytes' digest) and the document's exact bytes."""
    digest = hashlib.sha256()
    for part in (_validator_versions().encode(), check.encode(), document):
        digest.update(len(part).to_bytes(8, "big"))  # length-prefixed: no two splits hash alike
        digest.update(part)
    return digest.hexdigest()


def known_valid(check: str, document: bytes) -> bool:
    folder = directory()
    return folder is not None and (folder / key(check, document)).is_file()


def remember_valid(check: str, document: bytes) -> None:
    """Record that `document` passed `check`; a cache that cannot be written is skipped silently."""
    folder = directory()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / key(check, document)).touch()
    except OSError:
        pass


def problems(check: str, document: bytes, run: Callable[[], list[str]]) -> list[str]:
    """run()'s problems with `document`; none, without running it, when these exact bytes passed
    the same check before. Bytes that pass are recorded; bytes with problems never are."""
    if known_valid(check, document):
        return []
    found = run()
    if not found:
        remember_valid(check, document)
    return found


def digest(data: bytes) -> str:
    """A short name for a schema that judges (our own meta-schemas), part of a check's name."""
    return hashlib.sha256(data).hexdigest()


def files_state(folders: list[tuple[Path, tuple[str, ...], bool]], files: list[Path] = ()) -> bytes:
    """The state of these files and of the files in these folders (folder, name endings, with its
    subfolders?): each one's path, size, inode and modification and change times, in nanoseconds.
    It is the test Python applies to its own bytecode (modification time and size), made stricter by
    the change time, which no copy or `touch` can set back. OSError if a folder cannot be listed."""
    rows = [f"{path}|{_stat_row(os.stat(path))}" for path in files]

    def walk(folder, endings, deep):
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.is_dir(follow_symlinks=False):
                    if deep and entry.name != "__pycache__":
                        walk(entry.path, endings, deep)
                elif entry.name.endswith(endings):
                    rows.append(f"{entry.path}|{_stat_row(entry.stat())}")

    for folder, endings, deep in folders:
        walk(folder, endings, deep)
    return "\n".join(rows).encode("utf-8", "surrogateescape")


def _stat_row(st: os.stat_result) -> str:
    return f"{st.st_size}|{st.st_ino}|{st.st_mtime_ns}|{st.st_ctime_ns}"


def environment() -> str:
    """The interpreter and every installed distribution with its version: what else an import may depend on."""
    return f"{sys.version};{sys.implementation.cache_tag};" + ";".join(f"{n}=={v}" for n, v in installed())
