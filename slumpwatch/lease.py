"""One monitor per posture log: an OS file lock next to the log, holding the owner's pid.

The lock goes with the process (a crash or SIGKILL releases it), so a stale lock file never
blocks the next start; the file itself is left in place, since deleting lock files races.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from .errors import LeaseError


class MonitorLease:
    def __init__(self, db_path: str | Path) -> None:
        self.db_path = str(db_path)
        self.path = Path(self.db_path + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise LeaseError(
                f"cannot create the lock file {self.path}: {err.strerror}", "check the folder's permissions"
            ) from err
        if not _try_lock(fd):
            try:
                owner = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            except OSError:  # Windows: the locked byte cannot be read
                owner = "unknown"
            finally:
                os.close(fd)
            raise LeaseError(
                f"another slumpwatch (pid {owner}) is already monitoring into {self.db_path}",
                "stop it first, or give this one its own log with --db PATH",
            )
        with contextlib.suppress(
            OSError
        ):  # the pid only informs the next one; a full disk is no reason to stop
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None

    def __enter__(self) -> MonitorLease:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _try_lock(fd: int) -> bool:
    if sys.platform.startswith("win"):
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True
