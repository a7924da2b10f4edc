"""Linux: the freedesktop notification service through ``notify-send`` (D-Bus underneath)."""

from __future__ import annotations

import os
import shutil
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
    subprocess.run(
        ["notify-send", "--app-name=slumpwatch", "--urgency=normal", "--expire-time=15000", title, body],
        check=True,
        timeout=timeout_s,
        capture_output=True,
    )
