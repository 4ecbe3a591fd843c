"""Writing files a command downloads: a name from the appliance is made safe (it cannot leave the
output folder, hide, or name a device), and a file is only ever created, never overwritten."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

MAX_NAME = 120
# Windows device names are refused as file names whatever the extension
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def safe_name(name: str | None, fallback: str) -> str:
    """A plain file name: the last path component only, no control or reserved characters, no
    leading dots, not a device name, at most MAX_NAME characters; `fallback` when nothing is left."""
    text = unicodedata.normalize("NFC", name or "")
    # the last component of either kind of path: "../../etc/passwd" and "C:\\x\\y.exe" keep their tail
    text = re.split(r"[/\\]", text)[-1]
    text = _UNSAFE.sub("_", text).strip().strip(".").strip()
    text = text.lstrip(".-") or ""
    stem, dot, ext = text.rpartition(".")
    if (stem if dot else text).lower() in _RESERVED:
        text = "_" + text
    if len(text) > MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        ext = ext[:16] if dot else ""
        text = (stem if dot else text)[: MAX_NAME - len(ext) - 1] + ("." + ext if ext else "")
    return text or fallback


def write_new(folder: Path, name: str, data: bytes) -> Path:
    """Create `name` in `folder` (`name (1)`, `name (2)`... when it exists) and write `data`: an
    existing file is never replaced, and a link planted under the name is never followed."""
    folder = Path(folder)
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    for n in range(1000):
        candidate = name if n == 0 else f"{stem} ({n})" + (f".{ext}" if ext else "")
        path = folder / candidate
        try:
            fd = os.open(path, flags, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return path
    raise FileExistsError(f"{name} and 999 numbered copies already exist in {folder}")
