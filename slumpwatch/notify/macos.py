"""macOS: a Notification Center banner through ``osascript``."""

from __future__ import annotations

import shutil
import subprocess

NAME = "osascript"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def available() -> str | None:
    return None if shutil.which("osascript") else "osascript not found"


def send(title: str, body: str, timeout_s: float) -> None:
    script = f"display notification {_quote(body)} with title {_quote(title)}"
    subprocess.run(["osascript", "-e", script], check=True, timeout=timeout_s, capture_output=True)
