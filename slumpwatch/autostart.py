"""Start ``slumpwatch run`` at login: systemd user unit, launchd agent, or Windows Startup entry."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from xml.sax.saxutils import escape


def _command(tray: bool = False) -> list[str]:
    return (
        [sys.executable, "-m", "slumpwatch", "tray"]
        if tray
        else [sys.executable, "-m", "slumpwatch", "run", "--quiet"]
    )


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


def content(platform: str = sys.platform, tray: bool = False) -> str:
    """The entry's text; a ``SLUMPWATCH_HOME`` in effect is passed on, so login monitoring uses it too."""
    cmd = _command(tray)
    home = os.environ.get("SLUMPWATCH_HOME")
    if platform.startswith("linux"):
        env = f"Environment={_systemd_quote('SLUMPWATCH_HOME=' + home)}\n" if home else ""
        return (
            "[Unit]\nDescription=slumpwatch posture monitor\nAfter=graphical-session.target\n\n"
            f"[Service]\n{env}ExecStart={shlex.join(cmd)}\nRestart=on-failure\nRestartSec=30\n\n"
            "[Install]\nWantedBy=default.target\n"
        )
    if platform == "darwin":
        args = "".join(f"<string>{escape(a)}</string>" for a in cmd)
        env = (
            "<key>EnvironmentVariables</key><dict><key>SLUMPWATCH_HOME</key>"
            f"<string>{escape(home)}</string></dict>"
            if home
            else ""
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>'
            "<key>Label</key><string>org.slumpwatch.monitor</string>"
            f"<key>ProgramArguments</key><array>{args}</array>{env}"
            "<key>RunAtLoad</key><true/><key>KeepAlive</key><true/></dict></plist>\n"
        )
    env = f'set "SLUMPWATCH_HOME={home}"\r\n' if home else ""
    return "@echo off\r\n" + env + " ".join(f'"{a}"' for a in cmd) + "\r\n"


def _systemd_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%") + '"'


def install(platform: str = sys.platform, tray: bool = False) -> Path:
    """The login entry for ``run`` (or, with ``tray``, the tray icon, which needs the desktop session)."""
    path = target(platform)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(content(platform, tray), encoding="utf-8")
    os.replace(tmp, path)
    return path


def remove(platform: str = sys.platform) -> Path | None:
    path = target(platform)
    if path.exists():
        path.unlink()
        return path
    return None
