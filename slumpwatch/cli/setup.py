"""``notify`` (alias ``doctor``), ``exercises``, ``config`` and ``autostart``: setting up."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from .args import command, config_from
from .output import out as _out

if TYPE_CHECKING:
    from .args import Subparsers


def cmd_notify(args: argparse.Namespace) -> int:
    """Show the active notification route and send a test notification.

    example: slumpwatch notify --test
    example: slumpwatch doctor
    """
    from ..app import build_notifier

    cfg, _ = config_from(args)
    notifier = build_notifier(cfg)
    _out("notification routes, in order: " + " -> ".join(notifier.describe()))
    if notifier.describe() == ["console"]:
        _out(
            "no desktop route works here (headless, SSH or no notification server): "
            "warnings go to the terminal"
        )
    route = notifier.send("slumpwatch test", "If you can read this, slump warnings will reach you.")
    _out(f"test notification sent through: {route}")
    return 0


def cmd_exercises(args: argparse.Namespace) -> int:
    """List the mid-back exercises slumpwatch suggests.

    example: slumpwatch exercises
    """
    from ..notify.exercises import CATALOG

    for e in CATALOG:
        _out(f"{e.name}  [{e.key}]")
        _out(f"  targets: {e.targets}")
        _out(f"  suggested: {e.trigger.value}")
        for i, step in enumerate(e.steps, 1):
            _out(f"  {i}. {step}")
        _out()
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    """Print the effective configuration and where each value came from.

    example: slumpwatch config
    example: slumpwatch config --sensitivity high
    """
    from dataclasses import asdict

    from ..paths import config_file, default_db

    cfg, sources = config_from(args)
    _out(f"# config file: {config_file()}")
    for key, value in asdict(cfg).items():
        shown = value if not (key == "db" and not value) else str(default_db())
        _out(f"{key} = {json.dumps(shown)}    # from {sources[key]}")
    return 0


def cmd_autostart(args: argparse.Namespace) -> int:
    """Start monitoring at login (systemd user unit / launchd / Startup).

    example: slumpwatch autostart install
    example: slumpwatch autostart install --tray
    """
    from .. import autostart

    if args.action == "install":
        _out(f"wrote {autostart.install(tray=args.tray)}")
        if sys.platform.startswith("linux"):
            _out("enable it with: systemctl --user enable --now slumpwatch.service")
    else:
        removed = autostart.remove()
        _out(f"removed {removed}" if removed else "no autostart entry was installed")
    return 0


def register(sub: Subparsers) -> None:
    p = command(sub, "notify", cmd_notify, aliases=("doctor",))
    p.add_argument("--test", action="store_true", help="send a test notification (always done)")

    command(sub, "exercises", cmd_exercises)

    p = command(sub, "config", cmd_config)
    p.add_argument("--profile")
    p.add_argument("--sensitivity", choices=["low", "medium", "high"])
    p.add_argument("--db")

    p = command(sub, "autostart", cmd_autostart)
    p.add_argument("action", choices=["install", "remove"])
    p.add_argument("--tray", action="store_true", help="install: start the tray icon instead of `run`")
