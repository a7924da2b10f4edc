"""The CLI's one way out: stdout lines, one-line errors on stderr, the status line, output files."""

from __future__ import annotations

import errno
import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from ..landmarks import describe_dropped

if TYPE_CHECKING:
    from ..monitor import Status


def out(text: str = "") -> None:
    print(text, flush=True)


def err(message: str) -> None:
    print(f"slumpwatch: {message}", file=sys.stderr, flush=True)


def raw(text: str) -> None:
    """Text as it is (no newline added), e.g. CSV or a progress bar."""
    sys.stdout.write(text)
    sys.stdout.flush()


def ask(question: str) -> bool:
    """A yes/no question on the terminal; only "y" or "yes" is a yes."""
    print(question + " [y/N] ", end="", flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def interactive() -> bool:
    return bool(sys.stdin and sys.stdin.isatty())


_REFERENCE = {
    "calibrated": "vs your calibration",
    "learned": "vs your learned upright",
    "doubtful": "vs learned upright (doubtful: run `slumpwatch calibrate`)",
    "absolute": "vs absolute limits",
    "uncalibrated": "(no verdict: run `slumpwatch calibrate`)",
}


def status_text(st: Status) -> str:
    """One status line: state, how long (on the samples' clock, never negative), angle, reference."""
    assert st.state is not None
    seconds = max(int((st.t if st.t is not None else time.time()) - st.since), 0)
    if st.state.value == "learning":
        n = st.learning_left
        left = f"{n} more sample{'' if n == 1 else 's'}"
        return f"learning your upright posture: {left} (sit as you normally do)"
    angle = "-" if st.trunk_deg is None else f"{st.trunk_deg:+.0f}°"
    how_long = f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{st.state.value:12s} for {how_long}, trunk {angle} {_REFERENCE.get(st.basis, '')}".rstrip()


def status_printer() -> Callable[[Status], None]:
    """The live status line (only on a terminal)."""
    tty = sys.stdout.isatty()

    def show(st: Status) -> None:
        if st.state is None:
            return
        line = status_text(st)
        if tty:
            sys.stdout.write("\r" + line.ljust(78))
            sys.stdout.flush()

    return show


def dropped(counts: Mapping[str, int]) -> str:
    """ "; N frames dropped (why...)" for a closing line, or nothing."""
    return f"; {describe_dropped(counts)}" if counts else ""


def temp_beside(path: Path) -> tuple[int, str]:
    try:
        return tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise InputError(f"cannot write in {path.parent}: {error.strerror}", "check the folder") from error


def write_output(path: Path, text: str) -> None:
    """Writes ``--output`` whole or not at all (a temporary file renamed into place)."""
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a folder", "give a file name")
    if not path.parent.is_dir():
        raise InputError(f"cannot write {path}: no folder {path.parent}", "create the folder first")
    fd, tmp = temp_beside(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as error:
        why = "disk full" if error.errno == errno.ENOSPC else error.strerror
        raise InputError(f"cannot write {path}: {why}", "check the folder and free space") from error
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def os_error(error: OSError) -> str:
    where = f" {error.filename}" if error.filename else ""
    if error.errno == errno.ENOSPC:
        return f"disk full: cannot write{where} (free some disk space)"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = "check the path's permissions or set SLUMPWATCH_HOME"
        return f"permission denied:{where} ({error.strerror}; {fix})"
    return f"cannot use{where}: {error.strerror or error} (check the path)"
