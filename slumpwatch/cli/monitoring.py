"""``run``, ``record``, ``replay`` and ``demo``: monitoring and landmark recordings.

The monitor itself is built by :mod:`slumpwatch.app`; these commands turn flags into its inputs
and print what happened.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from .args import command, config_from, seconds
from .output import dropped as _dropped
from .output import err as _err
from .output import out as _out
from .output import status_printer, temp_beside

if TYPE_CHECKING:
    from ..calibration import Profile
    from ..config import Config
    from .args import Subparsers

ROOT = Path(__file__).resolve().parent.parent.parent


def _profile(cfg: Config, args: argparse.Namespace) -> Profile | None:
    from ..app import load_user_profile

    return load_user_profile(cfg, args.profile_file, args.uncalibrated, on_message=_err)


def _log_path(cfg: Config, args: argparse.Namespace, own_log: bool) -> str:
    from ..app import log_path

    return log_path(cfg, args.db, own_log, args.log)


def cmd_run(args: argparse.Namespace) -> int:
    """Monitor posture until stopped (webcam, or --source FILE|DIR).

    example: slumpwatch run --interval 30s
    example: slumpwatch run --source sample_frames/front_desk.jsonl --profile-file calibration/front_desk.json
    """
    from ..app import Stopper, local_tz, watch
    from ..control import LiveControl
    from ..recording import is_recording
    from ..report import plural

    cfg, _ = config_from(args)
    profile = _profile(cfg, args)
    if args.source and is_recording(Path(args.source)):
        args.recording = args.source
        args.speed = 0.0
        return cmd_replay(args)
    stopper = Stopper().install_signal_handlers()
    watched = watch(
        cfg,
        profile,
        stopper,
        db_path=_log_path(cfg, args, own_log=not args.source),
        model=args.model,
        source=args.source,
        interval=args.interval,
        on_status=None if args.quiet else status_printer(),
        on_message=_err,
        control=None if args.source else LiveControl(local_tz()),  # files run as fast as they can
    )
    monitor, src = watched.monitor, watched.source
    if not args.quiet:
        _out()
    if args.source and watched.frames_seen == 0:
        raise InputError(f"nothing readable in {args.source}", "give a video file or a folder of images")
    why = "stopped by a signal" if stopper.stop else getattr(src, "ended", "") or "source ended"
    skipped = getattr(src, "skipped", 0)
    extra = f"; {skipped} unreadable frames skipped" if skipped else ""
    if cfg.motion_threshold > 0 and cfg.motion_max_age_s > 0:
        extra += f"; {monitor.reused} of {monitor.processed} samples reused the last pose (nothing moved)"
    sent = plural(len(monitor.sent), "warning")
    _out(f"monitoring ended ({why}{extra}); {sent} sent{_dropped(monitor.dropped)}")
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    """Save landmark frames (never images) as JSON lines.

    example: slumpwatch record /tmp/desk.jsonl --seconds 60 --label upright
    """
    from ..app import Stopper, frame_source, pose_estimator
    from ..landmarks import sample_problem
    from ..pipeline import detect
    from ..recording import RecordingWriter

    out = Path(args.output)
    if out.is_dir():
        raise InputError(f"{out} is a folder", "give a .jsonl file name")
    if out.exists() and not args.force:
        raise InputError(f"{out} already exists", "choose another name, or pass --force to replace it")
    if not out.parent.is_dir():
        raise InputError(f"cannot write {out}: no folder {out.parent}", "create the folder first")
    stopper = Stopper().install_signal_handlers()
    src = frame_source(args.source, args.camera, args.fps)
    n = bad = 0
    # The recording is written beside the target and renamed over it only when complete.
    tmp = temp_beside(out)
    try:
        with (
            os.fdopen(tmp[0], "w", encoding="utf-8") as stream,
            pose_estimator(args.model) as est,
        ):
            writer = RecordingWriter(
                stream, model=est.model_name, source=str(args.source or f"camera {args.camera}")
            )
            for t, frame in src.frames():
                if args.seconds and t > args.seconds:
                    break
                sample, _ = detect(est, frame, t)
                if sample is not None and sample_problem(sample):
                    sample, bad = None, bad + 1
                writer.write(t, sample, args.label)
                n += 1
                if stopper.stop:
                    break
        if n == 0:
            raise InputError(f"no frames from {src.name}; {out} was not written", "check the source")
        os.replace(tmp[1], out)
    finally:
        src.close()
        if os.path.exists(tmp[1]):
            os.unlink(tmp[1])
    dropped = f" ({bad} with non-finite values stored as no person)" if bad else ""
    _out(f"recorded {n} frames of landmarks (no images) to {out}{dropped}")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    """Run a landmark recording through the monitor (with --speed, it answers `slumpwatch status`).

    example: slumpwatch replay sample_frames/front_desk.jsonl --profile-file calibration/front_desk.json
    example: slumpwatch replay sample_frames/front_desk.jsonl --speed 60 --quiet
    """
    from ..app import Stopper, local_tz, replay
    from ..control import LiveControl
    from ..report import plural

    cfg, _ = config_from(args)
    profile = _profile(cfg, args)
    stopper = Stopper().install_signal_handlers()
    path = Path(args.recording)
    if not path.is_file():
        raise InputError(f"no recording at {path}", "give a .jsonl landmark recording")
    monitor = replay(
        cfg,
        profile,
        path,
        stopper,
        db_path=_log_path(cfg, args, own_log=False),
        speed=args.speed,
        on_status=None if args.quiet else status_printer(),
        on_message=_err,
        control=LiveControl(local_tz()) if args.speed > 0 else None,
    )
    if monitor.processed == 0 and not stopper.stop:
        raise InputError(
            f"no usable frames in {path}{_dropped(monitor.dropped)}", "give a landmark recording"
        )
    if not args.quiet:
        _out()
    why = " (stopped by a signal)" if stopper.stop else ""
    _out(f"replay ended{why}; {plural(len(monitor.sent), 'warning')} sent{_dropped(monitor.dropped)}")
    return 0


# The demo's policy: the shipped defaults (5 min cooldown, 10 min to escalate) would never escalate
# within the sample recordings' minute-long slumps, so the demo shortens them to tell the whole story.
DEMO_COOLDOWN_S = 30.0
DEMO_ESCALATE_AFTER_S = 45.0
# Earlier days the samples are also replayed into (days ago -> recordings), so the week page has a
# trend with gaps; only today's replay is printed.
DEMO_EARLIER = {1: ("front_desk",), 3: ("side_desk",), 4: ("front_desk", "side_desk")}


def cmd_demo(args: argparse.Namespace) -> int:
    """Replay the sample recordings through the whole pipeline: a nudge, an escalation to an exercise
    from the guide, the day's report, and the HTML reports (day and week) written to open.

    example: slumpwatch demo
    example: slumpwatch demo --output-dir /tmp/slumpwatch-demo
    """
    from datetime import timedelta

    from ..app import build_monitor, build_notifier, local_tz, replay_into
    from ..calibration import load_profile
    from ..config import Config
    from ..html_report import render_html, render_week_html
    from ..notify.exercises import BY_KEY
    from ..report import day_bounds, reduce_week, render_text
    from ..store import Store

    samples = ROOT / "sample_frames"
    recordings = sorted(samples.glob("*.jsonl"))
    if not recordings:
        raise InputError(f"no sample recordings in {samples}", "run the demo from a clone of the repository")
    out_dir = Path(args.output_dir) if args.output_dir else Path(tempfile.gettempdir()) / "slumpwatch-demo"
    tz = local_tz()
    day = datetime.now(tz).date()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Config(
            db=str(Path(tmp) / "demo.sqlite3"),
            cooldown_s=DEMO_COOLDOWN_S,
            escalate_after_s=DEMO_ESCALATE_AFTER_S,
        )
        _out(
            f"slumpwatch demo: the sample recordings replayed as today's work (warnings after "
            f"{DEMO_COOLDOWN_S:.0f} s cooldown, an exercise once a slump outlasts a nudge; "
            "the defaults are 5 and 10 min)"
        )
        with Store(cfg.db) as store:
            for ago in (*sorted(DEMO_EARLIER, reverse=True), 0):
                when = day - timedelta(days=ago)
                start = datetime(when.year, when.month, when.day, 9, 0, tzinfo=tz).timestamp()
                for rec in recordings:
                    if ago and rec.stem not in DEMO_EARLIER[ago]:
                        continue
                    profile_file = ROOT / "calibration" / f"{rec.stem}.json"
                    profile = load_profile(profile_file) if profile_file.exists() else None
                    monitor = build_monitor(
                        cfg, profile, store, build_notifier(cfg, []), rec.name, on_message=_err
                    )
                    end = replay_into(monitor, rec, start, 0.0)
                    start = end + 600
                    if ago:
                        continue
                    _out(f"== {rec.name} ({'profile ' + profile.name if profile else 'uncalibrated'})")
                    for sent in monitor.sent:
                        clock = datetime.fromtimestamp(sent.t, tz).strftime("%H:%M:%S")
                        _out(f"   {clock} warning: {sent.title}. {sent.body}")
                        exercise = BY_KEY.get(sent.exercise)
                        if exercise is not None and sent.exercise != "sit-back":
                            for i, step in enumerate(exercise.steps, 1):
                                _out(f"            {i}. {step}")
            lo, _ = day_bounds(day - timedelta(days=6), tz)
            _, hi = day_bounds(day, tz)
            week = reduce_week(day, tz, store.spans(lo, hi), store.alerts(lo, hi))
        _out()
        _out(render_text(week[-1]))
        out_dir.mkdir(parents=True, exist_ok=True)
        day_page, week_page = out_dir / "report.html", out_dir / "week.html"
        day_page.write_text(render_html(week[-1], week, tz), encoding="utf-8")
        week_page.write_text(render_week_html(week), encoding="utf-8")
    _out()
    _out(f"HTML reports to open: {day_page.as_uri()} (today) and {week_page.as_uri()} (the week)")
    _out("Your own: `slumpwatch calibrate`, then `slumpwatch run`, then `slumpwatch report --format html`.")
    return 0


def register(sub: Subparsers) -> None:
    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--profile", help="calibration profile name (config: profile)")
        p.add_argument("--profile-file", help="a profile JSON file instead of a named profile")
        p.add_argument("--uncalibrated", action="store_true", help="ignore any profile; absolute limits")
        p.add_argument("--sensitivity", choices=["low", "medium", "high"])
        p.add_argument("--db", help="posture log database (default: in the user data directory)")
        p.add_argument(
            "--log",
            action="store_true",
            help="replays and --source: write into your posture log (default: not stored)",
        )
        p.add_argument("--quiet", action="store_true", help="no live status line")

    p = command(sub, "run", cmd_run, model=True)
    common(p)
    p.add_argument("--source", help="video file, image folder or .jsonl recording instead of the webcam")
    p.add_argument("--camera", type=int)
    p.add_argument(
        "--interval", type=seconds, help="duty cycle: open the camera for a burst every N seconds (e.g. 30s)"
    )

    p = command(sub, "record", cmd_record, model=True)
    p.add_argument("output", help="the .jsonl file to write")
    p.add_argument("--source", help="video file or image folder instead of the webcam")
    p.add_argument("--camera", type=int, default=0)
    p.add_argument("--fps", type=float, default=2.0)
    p.add_argument("--seconds", type=float, default=0.0, help="stop after this long (0: until Ctrl-C)")
    p.add_argument("--label", help="a label stored on every frame (for evaluate)")
    p.add_argument("--force", action="store_true", help="replace OUTPUT if it exists")

    p = command(sub, "replay", cmd_replay)
    p.add_argument("recording")
    common(p)
    p.add_argument(
        "--speed",
        type=float,
        default=0.0,
        help="1 = real time (answers status, pause, resume, snooze like run), 0 = as fast as possible",
    )

    p = command(sub, "demo", cmd_demo)
    p.add_argument("--output-dir", help="where to write report.html and week.html (default: a temp folder)")
