"""Start ``slumpwatch run`` at login: systemd user unit, launchd agent, or Windows Startup entry."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path


def _command() -> list[str]:
    return [sys.executable, "-m", "slumpwatch", "run", "--quiet"]


def target(platform: str = sys.platform) -> Path:
    home = Path.home()
    if platform.startswith("linux"):
        base = Path(os.environ.get("XDG_CONFIG_HOME", home / ".config"))
        return base / "systemd" / "user" / "slumpwatch.service"
    if platform == "darwin":
        return home / "Library" / "LaunchAgents" / "org.slumpwatch.monitor.plist"
    if platform.startswith("win"):
        appdata = Path(os.environ.get("APPDATA", home / "AppData" / "Roaming"))
        return appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / "slumpwatch.cmd"
    raise OSError(f"autostart is not supported on {platform}")


def content(platform: str = sys.platform) -> str:
    cmd = _command()
    if platform.startswith("linux"):
        return (
            "[Unit]\nDescription=slumpwatch posture monitor\nAfter=graphical-session.target\n\n"
            f"[Service]\nExecStart={shlex.join(cmd)}\nRestart=on-failure\nRestartSec=30\n\n"
            "[Install]\nWantedBy=default.target\n"
        )
    if platform == "darwin":
        args = "".join(f"<string>{a}</string>" for a in cmd)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>'
            "<key>Label</key><string>org.slumpwatch.monitor</string>"
            f"<key>ProgramArguments</key><array>{args}</array>"
            "<key>RunAtLoad</key><true/><key>KeepAlive</key><true/></dict></plist>\n"
        )
    return "@echo off\r\n" + " ".join(f'"{a}"' for a in cmd) + "\r\n"


def install(platform: str = sys.platform) -> Path:
    path = target(platform)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content(platform), encoding="utf-8")
    return path


def remove(platform: str = sys.platform) -> Path | None:
    path = target(platform)
    if path.exists():
        path.unlink()
        return path
    return None
