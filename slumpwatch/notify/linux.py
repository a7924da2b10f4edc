"""Linux: the freedesktop notification service through ``notify-send`` (D-Bus underneath)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess

NAME = "notify-send"


def available() -> str | None:
    """Why this route cannot work here, or None."""
    if shutil.which("notify-send") is None:
        return "notify-send is not installed (package libnotify-bin)"
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS") and not os.environ.get("XDG_RUNTIME_DIR"):
        return "no D-Bus session bus"
    return None


def send(title: str, body: str, timeout_s: float) -> None:
    """Runs ``notify-send`` in its own process group; on timeout the whole group is ended."""
    proc = subprocess.Popen(
        ["notify-send", "--app-name=slumpwatch", "--urgency=normal", "--expire-time=15000", title, body],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    finally:
        if proc.stderr is not None:
            proc.stderr.close()
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, "notify-send", stderr=err)
