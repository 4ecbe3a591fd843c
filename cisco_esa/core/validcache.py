"""A record, in the user's cache directory, of documents that already passed a schema check: start-up
skips validating bytes it has seen pass before (issue 12, goal 5). It is trusted for nothing else."""

from __future__ import annotations

import hashlib
import os
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


def version_of(dist: str) -> str:
    """`dist==version` of an installed distribution, for a check's name."""
    if dist not in _versions:
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
