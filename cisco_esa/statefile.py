"""The `--state FILE` of Fetch Event (contract §3, §4): locked for the whole run (two schedulers,
or the two sources sharing one file, never run on it at once), found writable before the first
request, read strictly (a file that is not a checkpoint is refused), written atomically, and the
temporary files of a run killed mid-write removed by the next one."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Iterator

try:  # POSIX; elsewhere the file is used without a lock (said once in the log)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

LOCK_WAIT = 60.0  # seconds a run waits for another run's lock before it fails


class StateFileError(Exception):
    """The state file cannot be used. `usage`: the command line named a file that is not a
    checkpoint (exit 2); otherwise the run is Failed before its first request."""

    def __init__(self, message: str, usage: bool = False):
        super().__init__(message)
        self.message = message
        self.usage = usage


class StateFile:
    def __init__(self, path: Path):
        self.path = path

    def read(self) -> dict | None:
        """The checkpoint, or None for a first run (no file, or a zero-byte one)."""
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise StateFileError(f"--state file {self.path} cannot be read ({exc}); move it aside to start afresh",
                                 usage=True) from None
        if text == "":
            return None
        try:
            state = json.loads(text)
        except ValueError:
            raise StateFileError(f"--state file {self.path} is not JSON; move it aside to start afresh",
                                 usage=True) from None
        if not isinstance(state, dict) or type(state.get("version")) is not int:
            raise StateFileError(f"--state file {self.path} does not hold a checkpoint (an object with a version); "
                                 "move it aside to start afresh", usage=True)
        return state

    def write(self, state: dict) -> None:
        """Atomically: a run killed half-way leaves the old checkpoint, never half a file."""
        fd, tmp = tempfile.mkstemp(dir=str(self.path.parent), prefix=_temp_prefix(self.path), suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(state, fh, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


@contextlib.contextmanager
def opened(path: str, wait: float | None = None) -> Iterator[StateFile]:
    """The state file, locked until the block ends (waiting at most `wait`, LOCK_WAIT by default,
    read at each call)."""
    wait = LOCK_WAIT if wait is None else wait
    target = Path(path)
    lock_path = target.with_name(target.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StateFileError(_unwritable(target, exc)) from None
    try:
        _lock(fd, target, wait)
        _remove_stale_temps(target)
        _check_writable(target)
        yield StateFile(target)
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _lock(fd: int, target: Path, wait: float) -> None:
    if fcntl is None:
        return
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise StateFileError(
                    f"another run holds --state file {target} (waited {wait:g} s); two runs on one state would emit "
                    "events twice: let the other finish, then run again") from None
            time.sleep(0.05)


def _temp_prefix(target: Path) -> str:
    return f".{target.name}."


def _remove_stale_temps(target: Path) -> None:
    """Under the lock no other run is writing: any temporary file of ours here was left by a killed run."""
    prefix = _temp_prefix(target)
    with contextlib.suppress(OSError):
        for entry in target.parent.iterdir():
            if entry.name.startswith(prefix) and entry.name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    entry.unlink()


def _check_writable(target: Path) -> None:
    try:
        fd, probe = tempfile.mkstemp(dir=str(target.parent), prefix=_temp_prefix(target), suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise StateFileError(_unwritable(target, exc)) from None


def _unwritable(target: Path, exc: OSError) -> str:
    return (f"state: {target} cannot be written ({exc.strerror or exc}); the run was not started, so no event was "
            "emitted without its checkpoint")
