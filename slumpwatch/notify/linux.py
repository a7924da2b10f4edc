"""Linux: the freedesktop notification service through ``notify-send`` (D-Bus underneath)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping
from typing import Any

NAME = "notify-send"


def available() -> str | None:
    """Why this route cannot work here, or None."""
    if shutil.which("notify-send") is None:
        return "notify-send is not installed (package libnotify-bin)"
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS") and not os.environ.get("XDG_RUNTIME_DIR"):
        return "no D-Bus session bus"
    return None


ARGS = ["notify-send", "--app-name=slumpwatch", "--urgency=normal", "--expire-time=15000"]
ACTION_WAIT_S = 900.0  # how long a notification's buttons are listened for


def send_with_actions(
    title: str, body: str, timeout_s: float, actions: Mapping[str, str], on_action: Callable[[str], None]
) -> None:
    """Shows the notification with buttons (freedesktop ``actions``); a click calls ``on_action(key)``
    from a listener thread. ``notify-send`` waits for the click, so it is not waited for here:
    only an early failure is an error."""
    proc = subprocess.Popen(
        [*ARGS, *(f"--action={key}={label}" for key, label in actions.items()), title, body],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=min(timeout_s, 0.5))
    except subprocess.TimeoutExpired:
        threading.Thread(target=_listen, args=(proc, on_action), name="notify-actions", daemon=True).start()
        return
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, "notify-send", stderr=err)
    if out.strip() in actions:
        on_action(out.strip())


def _communicate(proc: subprocess.Popen[Any], timeout_s: float) -> tuple[Any, Any]:
    """``proc.communicate``; on timeout the whole process group is ended and the timeout raised."""
    try:
        return proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise


def _listen(proc: subprocess.Popen[str], on_action: Callable[[str], None]) -> None:
    try:
        out, _ = _communicate(proc, ACTION_WAIT_S)
    except subprocess.TimeoutExpired:
        return
    key = out.strip()
    if proc.returncode == 0 and key:
        on_action(key)


def send(title: str, body: str, timeout_s: float) -> None:
    """Runs ``notify-send`` in its own process group; on timeout the whole group is ended."""
    proc = subprocess.Popen(
        [*ARGS, title, body],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _, err = _communicate(proc, timeout_s)
    finally:
        if proc.stderr is not None:
            proc.stderr.close()
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, "notify-send", stderr=err)
