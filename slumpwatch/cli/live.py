"""``status``, ``pause``, ``resume`` and ``snooze``: talking to the running monitor."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from .args import command
from .output import out as _out
from .output import status_text

if TYPE_CHECKING:
    from .args import Subparsers


def duration(text: str) -> str:
    """``30m``, ``1h``, ``tomorrow``: checked here, sent as written."""
    from ..control import parse_duration

    try:
        parse_duration(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def describe(reply: dict[str, Any]) -> str:
    """One line for a ``status`` reply: the status line, and what is paused or snoozed."""
    from ..control import clock_text
    from ..monitor import Status
    from ..state import State

    parts = []
    if reply.get("state"):
        st = Status(
            State(reply["state"]),
            float(reply.get("since") or reply["t"]),
            reply.get("trunk_deg"),
            bool(reply.get("calibrated")),
            basis=str(reply.get("basis") or ""),
            learning_left=int(reply.get("learning_left") or 0),
            t=float(reply["t"]),
        )
        parts.append(" ".join(status_text(st).split()))
    else:
        parts.append("starting (no sample yet)")
    if reply.get("paused_until"):
        parts.append(f"{reply.get('paused_why') or 'paused'} until {clock_text(reply['paused_until'], None)}")
    elif reply.get("camera_busy"):
        parts.append("paused: camera in use (retrying)")
    if reply.get("snoozed_until"):
        parts.append(f"warnings snoozed until {clock_text(reply['snoozed_until'], None)}")
    return "; ".join(parts)


def _send(args: argparse.Namespace, req: dict[str, Any]) -> int:
    from ..control import request

    reply = request(req)
    _out(json.dumps(reply) if getattr(args, "json", False) else describe(reply))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Show the running monitor's state (exit code 9 when none is running).

    example: slumpwatch status
    example: slumpwatch status --json
    """
    return _send(args, {"cmd": "status"})


def cmd_pause(args: argparse.Namespace) -> int:
    """Pause the running monitor for a while (stored as paused, not monitored).

    example: slumpwatch pause 30m
    example: slumpwatch pause tomorrow
    """
    return _send(args, {"cmd": "pause", "for": args.duration})


def cmd_resume(args: argparse.Namespace) -> int:
    """Resume a paused monitor now.

    example: slumpwatch resume
    """
    return _send(args, {"cmd": "resume"})


def cmd_snooze(args: argparse.Namespace) -> int:
    """Keep monitoring but send no warnings for a while.

    example: slumpwatch snooze 1h
    """
    return _send(args, {"cmd": "snooze", "for": args.duration})


def cmd_tray(args: argparse.Namespace) -> int:
    """Monitor with a tray icon showing the state; its menu pauses, snoozes, recalibrates (slumpwatch[tray]).

    example: slumpwatch tray
    example: slumpwatch tray --source sample_frames/front_desk.jsonl --speed 10
    """
    from ..app import load_user_profile
    from ..tray import Tray, load_pystray
    from .args import config_from
    from .output import err

    load_pystray()  # a missing extra is a one-line error before anything else starts
    cfg, _ = config_from(args)
    profile = load_user_profile(cfg, args.profile_file, args.uncalibrated, on_message=err)
    tray = Tray(
        cfg,
        profile,
        db_path=args.db,
        source=args.source,
        speed=args.speed,
        interval=args.interval,
        on_message=err,
    )
    error = tray.run()
    return 1 if error else 0


def register(sub: Subparsers) -> None:
    from .args import seconds

    p = command(sub, "tray", cmd_tray)
    p.add_argument("--profile", help="calibration profile name (config: profile)")
    p.add_argument("--profile-file", help="a profile JSON file instead of a named profile")
    p.add_argument("--uncalibrated", action="store_true", help="ignore any profile; absolute limits")
    p.add_argument("--sensitivity", choices=["low", "medium", "high"])
    p.add_argument("--camera", type=int)
    p.add_argument("--db", help="posture log database (default: in the user data directory)")
    p.add_argument("--source", help="video file, image folder or .jsonl recording instead of the webcam")
    p.add_argument("--speed", type=float, default=1.0, help="recordings: 1 = real time (default)")
    p.add_argument("--interval", type=seconds, help="duty cycle: a camera burst every N seconds")

    p = command(sub, "status", cmd_status)
    p.add_argument("--json", action="store_true", help="the monitor's answer as JSON")
    p = command(sub, "pause", cmd_pause)
    p.add_argument("duration", type=duration, help="30m, 1h, tomorrow (until midnight), ...")
    p.add_argument("--json", action="store_true", help="the monitor's answer as JSON")
    p = command(sub, "resume", cmd_resume)
    p.add_argument("--json", action="store_true", help="the monitor's answer as JSON")
    p = command(sub, "snooze", cmd_snooze)
    p.add_argument("duration", type=duration, nargs="?", default="1h", help="1h (default), 30m, ...")
    p.add_argument("--json", action="store_true", help="the monitor's answer as JSON")
