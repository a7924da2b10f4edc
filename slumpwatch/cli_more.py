"""Commands for monitoring, recordings, reports and notifications (registered by ``cli``)."""

from __future__ import annotations

import argparse
import errno
import json
import math
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from .cli import _err, _out
from .errors import InputError, ProfileError, SlumpwatchError

ROOT = Path(__file__).resolve().parent.parent


def _tz() -> Any:
    return datetime.now().astimezone().tzinfo


# ------------------------------------------------------------------ shared set-up
def _config(args: argparse.Namespace) -> tuple[Any, dict[str, str]]:
    from .config import load
    from .paths import config_file

    overrides = {k: getattr(args, k, None) for k in ("profile", "sensitivity", "camera", "db")}
    return load(config_file(), overrides)


def _store(cfg: Any, create: bool = True) -> Any:
    from .paths import default_db
    from .store import Store

    return Store(cfg.db or default_db(), create=create)


def _log_path(cfg: Any, args: argparse.Namespace, own_log: bool) -> str:
    """Where monitoring writes: the user's log for the webcam; replays and files only when asked."""
    from .paths import default_db

    if getattr(args, "db", None):
        return str(args.db)
    if own_log or getattr(args, "log", False):
        return str(cfg.db or default_db())
    return ":memory:"


@contextmanager
def _monitor_store(path: str) -> Iterator[Any]:
    """The log opened for monitoring: checked, held by this process alone, crashes tidied up."""
    from .lease import MonitorLease
    from .store import Store

    with Store(path, check=True) as store:
        if path == ":memory:":
            yield store
            return
        with MonitorLease(path):
            stale = store.close_stale_sessions()
            if stale:
                _err(f"closed {stale} session(s) left open by a crash, at their last checkpoint")
            store.set_timeout(0.5)  # a busy log queues writes; it must not stall the loop
            yield store


def _profile(cfg: Any, args: argparse.Namespace) -> Any:
    from .calibration import load_profile
    from .paths import profile_path

    if getattr(args, "uncalibrated", False):
        return None
    path = Path(args.profile_file) if getattr(args, "profile_file", None) else profile_path(cfg.profile)
    try:
        return load_profile(path)
    except UnicodeDecodeError as err:
        raise ProfileError(
            f"profile {path} is not UTF-8 text", "run `slumpwatch calibrate` to replace it"
        ) from err
    except ProfileError as err:
        if getattr(args, "profile_file", None) or path.exists():
            raise
        _err(f"{err.one_line()}; monitoring uncalibrated")
        return None


def _monitor(cfg: Any, profile: Any, store: Any, notifier: Any, quiet: bool, camera: str) -> Any:
    from .config import parse_quiet_hours
    from .monitor import Monitor, Rates
    from .notify.policy import AlertPolicy, PolicyConfig
    from .scoring import Sensitivity
    from .state import Timing

    quiet_hours = parse_quiet_hours(cfg.quiet_hours)
    policy = AlertPolicy(
        PolicyConfig(
            cooldown_s=cfg.cooldown_s,
            escalate_after_s=cfg.escalate_after_s,
            daily_cap=cfg.daily_cap,
            quiet_start=quiet_hours[0] if quiet_hours else None,
            quiet_end=quiet_hours[1] if quiet_hours else None,
        )
    )
    status_line = None if quiet else _status_printer()
    return Monitor(
        profile,
        store,
        notifier,
        policy,
        Sensitivity(cfg.sensitivity),
        Timing(onset_s=cfg.onset_s, recover_s=cfg.recover_s, away_s=cfg.away_s),
        Rates(cfg.steady_fps, cfg.alert_fps, cfg.away_fps),
        _tz(),
        camera,
        status_line,
        on_message=lambda m: _err(m),
    )


def _status_printer() -> Callable[[Any], None]:
    tty = sys.stdout.isatty()

    def show(st: Any) -> None:
        if st.state is None:
            return
        angle = "-" if st.trunk_deg is None else f"{st.trunk_deg:+.0f}°"
        ref = "vs upright" if st.calibrated else "(uncalibrated)"
        line = f"{st.state.value:12s} trunk {angle} {ref}  for {int(time.time() - st.since) if tty else 0}s"
        if tty:
            sys.stdout.write("\r" + line.ljust(60))
            sys.stdout.flush()

    return show


def _notifier(cfg: Any, collect: list[str] | None = None) -> Any:
    from .notify.routes import ConsoleRoute, FunctionRoute, Notifier, default_routes

    if collect is not None:  # the demo: collect warnings, fall back to stdout
        collector = FunctionRoute("demo", lambda t, b, s: collect.append(f"{t}: {b}"))
        return Notifier([collector, ConsoleRoute(sys.stdout)])
    return Notifier(default_routes(bell=cfg.bell), timeout_s=cfg.notify_timeout_s)


class _Stopper:
    """Turns SIGTERM/SIGINT/SIGHUP into a flag so the loop ends cleanly and the current span is written."""

    def __init__(self) -> None:
        self.stop = False
        for name in ("SIGTERM", "SIGINT", "SIGHUP"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), self._handle)

    def _handle(self, signum: int, frame: Any) -> None:
        self.stop = True

    def sleep(self, seconds: float) -> None:
        """Sleeps in short slices, so a signal ends the wait within a fraction of a second."""
        end = time.monotonic() + seconds
        while not self.stop and (left := end - time.monotonic()) > 0:
            time.sleep(min(left, 0.1))


def _frames_from_source(
    args: argparse.Namespace, cfg: Any, monitor: Any, stopper: _Stopper
) -> tuple[Iterator[tuple[float, Any]], str, Any]:
    """(epoch seconds, frame) from --source or the webcam, its name, and the file source if any."""
    from .monitor import camera_frames
    from .sources import Camera, open_source

    if args.source:
        src = open_source(args.source, fps=cfg.steady_fps)
        start = time.time()

        def paced() -> Iterator[tuple[float, Any]]:
            for t, f in src.frames():
                yield start + t, f
                src.fps = monitor.suggested_fps()  # the adaptive rate, as with the webcam

        return paced(), str(args.source), src
    interval = args.interval

    def open_camera() -> Any:
        cam = Camera(cfg.camera, fps=cfg.steady_fps)
        cam.open()
        return cam

    if interval:
        return _duty_cycle(open_camera, monitor, interval, stopper), f"camera {cfg.camera}", None
    frames = camera_frames(open_camera, monitor, sleep=stopper.sleep, should_stop=lambda: stopper.stop)
    return frames, f"camera {cfg.camera}", None


def _duty_cycle(
    open_camera: Callable[[], Any], monitor: Any, interval: float, stopper: _Stopper, burst_s: float = 3.0
) -> Iterator[tuple[float, Any]]:
    """Opens the camera for a short burst every ``interval`` seconds; the light is off in between."""
    from .errors import CameraError

    while not stopper.stop:
        began = time.time()
        try:
            cam = open_camera()
            try:
                for _, frame in cam.frames():
                    yield time.time(), frame
                    if time.time() - began >= burst_s or stopper.stop:
                        break
            finally:
                cam.close()
        except CameraError as err:
            monitor.pause(time.time(), str(err))
        stopper.sleep(interval - (time.time() - began))


# ------------------------------------------------------------------ run / record / replay / demo
def cmd_run(args: argparse.Namespace) -> int:
    from .pipeline import detect
    from .pose import MediaPipePoseEstimator
    from .recording import is_recording

    cfg, _ = _config(args)
    profile = _profile(cfg, args)
    if args.source and is_recording(Path(args.source)):
        args.recording = args.source
        args.speed = 0.0
        return cmd_replay(args)
    stopper = _Stopper()
    frames_seen = 0
    with (
        _monitor_store(_log_path(cfg, args, own_log=not args.source)) as store,
        MediaPipePoseEstimator(args.model, video=True) as est,
    ):
        monitor = _monitor(cfg, profile, store, _notifier(cfg), args.quiet, "")
        frames, name, src = _frames_from_source(args, cfg, monitor, stopper)
        monitor.camera = name
        started = None
        last = time.time()
        try:
            for t, frame in frames:
                frames_seen += 1
                if started is None:
                    started = t
                    monitor.start(t)
                sample, _ = detect(est, frame, t - started, monitor.reference)
                monitor.process(t, sample)
                last = t
                if stopper.stop:
                    break
        finally:
            if started is not None:
                monitor.stop(last)
    if not args.quiet:
        _out()
    if args.source and frames_seen == 0:
        raise InputError(f"nothing readable in {args.source}", "give a video file or a folder of images")
    why = "stopped by a signal" if stopper.stop else getattr(src, "ended", "") or "source ended"
    skipped = getattr(src, "skipped", 0)
    extra = f"; {skipped} unreadable frames skipped" if skipped else ""
    _out(f"monitoring ended ({why}{extra}); {len(monitor.sent)} warnings sent{_dropped(monitor.dropped)}")
    return 0


def _dropped(counts: Any) -> str:
    if not counts:
        return ""
    return (
        f"; {sum(counts.values())} frames dropped ("
        + ", ".join(f"{n} {why}" for why, n in counts.items())
        + ")"
    )


def cmd_record(args: argparse.Namespace) -> int:
    from .landmarks import sample_problem
    from .pipeline import detect
    from .pose import MediaPipePoseEstimator
    from .recording import RecordingWriter
    from .sources import open_source

    out = Path(args.output)
    if out.is_dir():
        raise InputError(f"{out} is a folder", "give a .jsonl file name")
    if out.exists() and not args.force:
        raise InputError(f"{out} already exists", "choose another name, or pass --force to replace it")
    if not out.parent.is_dir():
        raise InputError(f"cannot write {out}: no folder {out.parent}", "create the folder first")
    stopper = _Stopper()
    src = open_source(args.source, args.camera, args.fps)
    n = bad = 0
    # The recording is written beside the target and renamed over it only when complete.
    tmp = _temp_beside(out)
    try:
        with (
            os.fdopen(tmp[0], "w", encoding="utf-8") as stream,
            MediaPipePoseEstimator(args.model, video=True) as est,
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


def _temp_beside(path: Path) -> tuple[int, str]:
    try:
        return tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise InputError(f"cannot write in {path.parent}: {err.strerror}", "check the folder") from err


def replay_into(
    monitor: Any,
    path: Path,
    start_epoch: float,
    speed: float,
    stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
) -> float:
    """Runs a recording through ``monitor``; speed 0 is as fast as possible. Returns the last time.

    Bad frames (non-finite values, time going backwards) are counted in ``monitor.dropped``.
    ``sleep`` should return early when ``stop`` becomes true (``_Stopper.sleep`` does).
    """
    from .pipeline import choose_person
    from .recording import read_recording

    started = None
    last = start_epoch
    wall0 = time.monotonic()
    try:
        for frame in read_recording(path, monitor.dropped):
            t = start_epoch + frame.t
            if started is None:
                started = t
                monitor.start(t)
            if speed > 0 and math.isfinite(frame.t):
                delay = frame.t / speed - (time.monotonic() - wall0)
                if delay > 0:
                    sleep(delay)
                if stop():
                    break
            sample = None
            if frame.sample is not None:
                sample, _ = choose_person([frame.sample], monitor.reference)
            monitor.process(t, sample)
            last = max(last, t) if math.isfinite(t) else last
            if stop():
                break
    finally:
        if started is not None:
            monitor.stop(last)
    return last


def cmd_replay(args: argparse.Namespace) -> int:
    cfg, _ = _config(args)
    profile = _profile(cfg, args)
    stopper = _Stopper()
    path = Path(args.recording)
    if not path.is_file():
        raise InputError(f"no recording at {path}", "give a .jsonl landmark recording")
    with _monitor_store(_log_path(cfg, args, own_log=False)) as store:
        monitor = _monitor(cfg, profile, store, _notifier(cfg), args.quiet, str(path))
        replay_into(monitor, path, time.time(), args.speed, lambda: stopper.stop, stopper.sleep)
    if monitor.processed == 0 and not stopper.stop:
        raise InputError(
            f"no usable frames in {path}{_dropped(monitor.dropped)}", "give a landmark recording"
        )
    if not args.quiet:
        _out()
    why = " (stopped by a signal)" if stopper.stop else ""
    _out(f"replay ended{why}; {len(monitor.sent)} warnings sent{_dropped(monitor.dropped)}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .calibration import load_profile
    from .config import Config
    from .report import day_bounds, reduce_day, render_text
    from .store import Store

    samples = ROOT / "sample_frames"
    recordings = sorted(samples.glob("*.jsonl"))
    if not recordings:
        raise InputError(f"no sample recordings in {samples}", "run the demo from a clone of the repository")
    tz = _tz()
    day = datetime.now(tz).date()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Config(db=str(Path(tmp) / "demo.sqlite3"))
        with Store(cfg.db) as store:
            start = datetime(day.year, day.month, day.day, 9, 0, tzinfo=tz).timestamp()
            for rec in recordings:
                profile_file = ROOT / "calibration" / f"{rec.stem}.json"
                profile = load_profile(profile_file) if profile_file.exists() else None
                warnings: list[str] = []
                monitor = _monitor(cfg, profile, store, _notifier(cfg, warnings), True, rec.name)
                _out(f"== replaying {rec.name} ({'profile ' + profile.name if profile else 'uncalibrated'})")
                end = replay_into(monitor, rec, start, 0.0)
                for w in warnings:
                    _out(f"   would notify: {w}")
                start = end + 600
            lo, hi = day_bounds(day, tz)
            rep = reduce_day(day, tz, store.spans(lo, hi), store.alerts(lo, hi))
        _out()
        _out(render_text(rep))
    return 0


# ------------------------------------------------------------------ report / export / forget
def _parse_day(text: str) -> date:
    today = datetime.now().astimezone().date()
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise InputError(f"unknown date {text!r}", "use YYYY-MM-DD, today or yesterday") from err


def cmd_report(args: argparse.Namespace) -> int:
    from .report import day_bounds, reduce_week, render_text, render_week_text, to_csv, to_json

    cfg, _ = _config(args)
    day = _parse_day(args.date)
    tz = _tz()
    with _store(cfg, create=False) as store:
        lo, _ = day_bounds(day - timedelta(days=6), tz)
        _, hi = day_bounds(day, tz)
        spans, alerts = store.spans(lo, hi), store.alerts(lo, hi)
    week = reduce_week(day, tz, spans, alerts)
    rep = week[-1]
    days = week if args.week else [rep]
    if args.format == "html":
        from .html_report import render_html

        text = render_html(rep, week, tz)
    elif args.format == "json":
        text = to_json(days)
    elif args.format == "csv":
        text = to_csv(days)
    else:
        text = render_week_text(week) if args.week else render_text(rep)
    if args.output:
        _write_output(Path(args.output), text)
        _out(f"wrote {args.output}")
    else:
        _out(text)
    return 0


def _write_output(path: Path, text: str) -> None:
    """Writes ``--output`` whole or not at all (a temporary file renamed into place)."""
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a folder", "give a file name")
    if not path.parent.is_dir():
        raise InputError(f"cannot write {path}: no folder {path.parent}", "create the folder first")
    fd, tmp = _temp_beside(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as err:
        why = "disk full" if err.errno == errno.ENOSPC else err.strerror
        raise InputError(f"cannot write {path}: {why}", "check the folder and free space") from err
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _finite(value: Any) -> Any:
    """JSON has no NaN or Infinity: such values (from logs written before the input checks) are null."""
    return value if not isinstance(value, float) or math.isfinite(value) else None


def cmd_export(args: argparse.Namespace) -> int:
    import csv
    import dataclasses
    import io

    from .store import AlertRecord, Span

    cfg, _ = _config(args)
    kind: type = Span if args.what == "spans" else AlertRecord
    with _store(cfg, create=False) as store:
        records = store.spans(0, 1e12) if kind is Span else store.alerts(0, 1e12)
    rows = [{k: _finite(v) for k, v in dataclasses.asdict(r).items()} for r in records]
    if args.format == "json":
        text = json.dumps(rows, indent=2, allow_nan=False)
    else:
        buf = io.StringIO()
        fields = [f.name for f in dataclasses.fields(kind)]
        w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        text = buf.getvalue()
    if args.output:
        _write_output(Path(args.output), text)
    else:
        sys.stdout.write(text)
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from .report import day_bounds

    cfg, _ = _config(args)
    day = _parse_day(args.before)
    t, _ = day_bounds(day, _tz())
    with _store(cfg, create=False) as store:
        if not args.yes:
            n = len(store.spans(0, t))
            question = f"delete {n} spans and their alerts before {day.isoformat()} from {store.path}?"
            if not (sys.stdin and sys.stdin.isatty()):
                raise InputError(f"not deleting: {question}", "pass --yes to confirm without a terminal")
            print(question + " [y/N] ", end="", flush=True)
            if sys.stdin.readline().strip().lower() not in ("y", "yes"):
                _out("nothing deleted")
                return 1
        spans, alerts = store.forget_before(t)
    _out(f"deleted {spans} spans and {alerts} alerts before {day.isoformat()}")
    return 0


# ------------------------------------------------------------------ notifications and set-up
def cmd_notify(args: argparse.Namespace) -> int:
    cfg, _ = _config(args)
    notifier = _notifier(cfg)
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
    from .notify.exercises import CATALOG

    for e in CATALOG:
        _out(f"{e.name}  [{e.key}]")
        _out(f"  targets: {e.targets}")
        _out(f"  suggested: {e.trigger.value}")
        for i, step in enumerate(e.steps, 1):
            _out(f"  {i}. {step}")
        _out()
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from .paths import config_file, default_db

    cfg, sources = _config(args)
    _out(f"# config file: {config_file()}")
    for key, value in asdict(cfg).items():
        shown = value if not (key == "db" and not value) else str(default_db())
        _out(f"{key} = {json.dumps(shown)}    # from {sources[key]}")
    return 0


def cmd_autostart(args: argparse.Namespace) -> int:
    from . import autostart

    if args.action == "install":
        _out(f"wrote {autostart.install()}")
        if sys.platform.startswith("linux"):
            _out("enable it with: systemctl --user enable --now slumpwatch.service")
    else:
        removed = autostart.remove()
        _out(f"removed {removed}" if removed else "no autostart entry was installed")
    return 0


def register(sub: Any, add: Callable[[str, str], argparse.ArgumentParser]) -> None:
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

    p = add("run", "Monitor posture until stopped (webcam, or --source FILE|DIR).")
    common(p)
    p.add_argument("--source", help="video file, image folder or .jsonl recording instead of the webcam")
    p.add_argument("--camera", type=int)
    p.add_argument(
        "--interval", type=_seconds, help="duty cycle: open the camera for a burst every N seconds (e.g. 30s)"
    )
    p.set_defaults(func=cmd_run)

    p = add("record", "Save landmark frames (never images) as JSON lines.")
    p.add_argument("output", help="the .jsonl file to write")
    p.add_argument("--source", help="video file or image folder instead of the webcam")
    p.add_argument("--camera", type=int, default=0)
    p.add_argument("--fps", type=float, default=2.0)
    p.add_argument("--seconds", type=float, default=0.0, help="stop after this long (0: until Ctrl-C)")
    p.add_argument("--label", help="a label stored on every frame (for evaluate)")
    p.add_argument("--force", action="store_true", help="replace OUTPUT if it exists")
    p.set_defaults(func=cmd_record)

    p = add("replay", "Run a landmark recording through the monitor.")
    p.add_argument("recording")
    common(p)
    p.add_argument(
        "--speed", type=float, default=0.0, help="1 = real time, 0 = as fast as possible (default)"
    )
    p.set_defaults(func=cmd_replay)

    p = add("demo", "Replay the sample recordings through the whole pipeline and print the report.")
    p.set_defaults(func=cmd_demo)

    p = add("report", "The day's posture report (or --week).")
    p.add_argument("--date", default="today", help="YYYY-MM-DD, today or yesterday")
    p.add_argument("--week", action="store_true", help="7-day trend ending on --date")
    p.add_argument("--format", choices=["text", "json", "csv", "html"], default="text")
    p.add_argument("--output", help="write to a file")
    p.add_argument("--db")
    p.set_defaults(func=cmd_report)

    p = add("export", "Write spans or alerts as CSV or JSON.")
    p.add_argument("what", choices=["spans", "alerts"])
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--output")
    p.add_argument("--db")
    p.set_defaults(func=cmd_export)

    p = add("forget", "Delete posture data before a date.")
    p.add_argument("--before", required=True, help="YYYY-MM-DD")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--db")
    p.set_defaults(func=cmd_forget)

    for name in ("notify", "doctor"):
        p = add(name, "Show the active notification route and send a test notification.")
        p.add_argument("--test", action="store_true", help="send a test notification (always done)")
        p.set_defaults(func=cmd_notify)

    p = add("exercises", "List the mid-back exercises slumpwatch suggests.")
    p.set_defaults(func=cmd_exercises)

    p = add("config", "Print the effective configuration and where each value came from.")
    p.add_argument("--profile")
    p.add_argument("--sensitivity", choices=["low", "medium", "high"])
    p.add_argument("--db")
    p.set_defaults(func=cmd_config)

    p = add("autostart", "Start monitoring at login (systemd user unit / launchd / Startup).")
    p.add_argument("action", choices=["install", "remove"])
    p.set_defaults(func=cmd_autostart)


def _seconds(text: str) -> float:
    try:
        value = float(text[:-1]) * (60 if text.endswith("m") else 1) if text[-1] in "sm" else float(text)
    except (ValueError, IndexError) as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 30s or 2m") from err
    if value <= 0:
        raise argparse.ArgumentTypeError("the interval must be positive")
    return value


__all__ = ["SlumpwatchError", "register", "replay_into"]
