"""The composition root: the one place that builds a running monitor from a :class:`Config`.

Front ends (the CLI's ``run``, ``replay``, ``demo`` and ``record``, the benchmarks, a tray icon)
call these functions instead of wiring profile, store, notifier, policy, monitor and frame source
themselves. Nothing here parses argv or prints: messages go to the ``on_message`` a front end
passes, the live state to its ``on_status``.

A tray drives a monitor from a worker thread and stops it cleanly with a :class:`Stopper`::

    cfg, _ = app.load_config()
    stopper = app.Stopper()  # no signal handlers: those belong to the main thread
    profile = app.load_user_profile(cfg, on_message=show)
    worker = threading.Thread(
        target=app.watch, args=(cfg, profile, stopper), kwargs={"on_status": update_icon}
    )
    worker.start()
    ...
    stopper.request_stop()  # the current span and the session are written, the camera closed
    worker.join()

Heavy modules (MediaPipe, OpenCV) are imported only when a model or a camera is opened.
"""

from __future__ import annotations

import logging
import math
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from .calibration import Profile, load_profile, save_profile
from .config import Config, load, parse_quiet_hours
from .control import LiveControl, offer_actions, serving
from .errors import CameraError, ProfileError
from .learn import BaselineLearner
from .lease import MonitorLease
from .monitor import Monitor, Rates, Status, camera_frames
from .notify.policy import AlertPolicy, PolicyConfig
from .notify.routes import ConsoleRoute, FunctionRoute, Notifier, default_routes
from .paths import config_file, default_db, learned_profile_path, profile_path
from .scoring import Baseline, Sensitivity
from .state import State, Timing
from .store import Store

if TYPE_CHECKING:  # these bring numpy (and, when used, OpenCV and MediaPipe): imported where used
    import numpy as np

    from .landmarks import PoseSample
    from .motion import MotionGate
    from .pipeline import Detected
    from .pose import MediaPipePoseEstimator, PoseEstimator
    from .sources import Camera, FrameSource

    Frames = Iterator[tuple[float, np.ndarray]]  # (epoch seconds, BGR frame), as the monitor is fed

log = logging.getLogger(__name__)

OnMessage = Callable[[str], None]
# From this fraction of the entry threshold on, the motion gate's shorter (urgent) maximum age applies.
URGENT_INDEX = 0.5
OverrideValue = str | int | float | bool | None


def _log_message(message: str) -> None:
    log.warning("%s", message)


def local_tz() -> tzinfo:
    tz = datetime.now().astimezone().tzinfo
    assert tz is not None  # astimezone() always sets one
    return tz


# ------------------------------------------------------------------ configuration and parts
def load_config(overrides: Mapping[str, OverrideValue] | None = None) -> tuple[Config, dict[str, str]]:
    """The effective config (defaults -> config.toml -> ``overrides``) and where each value came from."""
    return load(config_file(), dict(overrides or {}))


def open_log(cfg: Config, create: bool = True) -> Store:
    """The posture log for reading and tidying (reports, export, forget)."""
    return Store(cfg.db or default_db(), create=create)


def log_path(cfg: Config, db: str | None = None, own_log: bool = False, log: bool = False) -> str:
    """Where monitoring writes: the user's log for the webcam; replays and files only when asked."""
    if db:
        return str(db)
    if own_log or log:
        return str(cfg.db or default_db())
    return ":memory:"


@contextmanager
def monitoring_log(path: str, on_message: OnMessage = _log_message) -> Iterator[Store]:
    """The log opened for monitoring: checked, held by this process alone, crashes tidied up."""
    with Store(path, check=True) as store:
        if path == ":memory:":
            yield store
            return
        with MonitorLease(path):
            stale = store.close_stale_sessions()
            if stale:
                on_message(f"closed {stale} session(s) left open by a crash, at their last checkpoint")
            store.set_timeout(0.5)  # a busy log queues writes; it must not stall the loop
            yield store


def load_user_profile(
    cfg: Config,
    profile_file: str | None = None,
    uncalibrated: bool = False,
    on_message: OnMessage = _log_message,
) -> Profile | None:
    """The calibration profile to monitor with; a missing named profile means uncalibrated."""
    if uncalibrated:
        return None
    path = Path(profile_file) if profile_file else profile_path(cfg.profile)
    try:
        return load_profile(path)
    except UnicodeDecodeError as err:
        raise ProfileError(
            f"profile {path} is not UTF-8 text", "run `slumpwatch calibrate` to replace it"
        ) from err
    except ProfileError as err:
        if profile_file or path.exists():
            raise
        on_message(f"{err.one_line()}; monitoring uncalibrated")
        return None


def build_policy(cfg: Config) -> AlertPolicy:
    quiet_hours = parse_quiet_hours(cfg.quiet_hours)
    return AlertPolicy(
        PolicyConfig(
            cooldown_s=cfg.cooldown_s,
            escalate_after_s=cfg.escalate_after_s,
            daily_cap=cfg.daily_cap,
            quiet_start=quiet_hours[0] if quiet_hours else None,
            quiet_end=quiet_hours[1] if quiet_hours else None,
        )
    )


def build_notifier(cfg: Config, collect: list[str] | None = None, console: TextIO | None = None) -> Notifier:
    """The desktop routes; with ``collect``, warnings are collected instead (the demo), else ``console``."""
    if collect is not None:
        collector = FunctionRoute("demo", lambda t, b, s: collect.append(f"{t}: {b}"))
        return Notifier([collector, ConsoleRoute(console or sys.stdout)])
    return Notifier(default_routes(bell=cfg.bell), timeout_s=cfg.notify_timeout_s)


def learner_for(
    cfg: Config, profile: Profile | None, keep: bool, on_message: OnMessage = _log_message
) -> tuple[BaselineLearner | None, Callable[[Baseline], None] | None]:
    """Self-calibration when there is no profile: the learner, seeded with the baseline learned for
    this webcam last time when ``keep``, and the function that saves it (None unless ``keep``)."""
    if profile is not None:
        return None, None
    if not keep:
        return BaselineLearner(), None
    path = learned_profile_path(cfg.camera)
    seed = None
    if path.exists():
        try:
            seed = load_profile(path).baseline
        except ProfileError as err:
            on_message(f"{err.one_line()}; learning again")

    def save(baseline: Baseline) -> None:
        created = datetime.now().astimezone().isoformat(timespec="seconds")
        try:
            save_profile(Profile(path.stem, created, baseline, f"camera {cfg.camera}"), path, backup=False)
        except ProfileError as err:
            on_message(err.one_line())

    return BaselineLearner(seed), save


def build_monitor(
    cfg: Config,
    profile: Profile | None,
    store: Store | None,
    notifier: Notifier,
    camera: str = "",
    on_status: Callable[[Status], None] | None = None,
    on_message: OnMessage = _log_message,
    *,
    keep_learned: bool = False,
    background_notify: bool = False,
) -> Monitor:
    """The monitor. Without a profile it learns the upright posture itself (``keep_learned``: from
    and into the webcam's saved learned baseline); ``background_notify`` for live monitoring."""
    learner, save = learner_for(cfg, profile, keep_learned, on_message)
    return Monitor(
        profile,
        store,
        notifier,
        build_policy(cfg),
        Sensitivity(cfg.sensitivity),
        Timing(onset_s=cfg.onset_s, recover_s=cfg.recover_s, away_s=cfg.away_s),
        Rates(cfg.steady_fps, cfg.alert_fps, cfg.away_fps),
        local_tz(),
        camera,
        on_status,
        on_message=on_message,
        learner=learner,
        on_learned=save,
        notify_in_background=background_notify,
    )


def pose_estimator(model: str | None = None, video: bool = True) -> MediaPipePoseEstimator:
    """The MediaPipe pose model (the bundled one unless ``model``), loaded once; use it as a context."""
    from .pose import MediaPipePoseEstimator

    return MediaPipePoseEstimator(model, video=video)


def frame_source(source: str | None, camera: int = 0, fps: float = 1.0) -> FrameSource:
    """A video file, image folder or (without ``source``) the webcam, yielding ``(seconds, frame)``."""
    from .sources import open_source

    return open_source(source, camera, fps)


# ------------------------------------------------------------------ stopping
class Stopper:
    """A stop flag: set by a signal (:meth:`install_signal_handlers`) or another thread.

    The loop ends cleanly at the next frame and the current span is written.
    """

    def __init__(self) -> None:
        self.stop = False

    def install_signal_handlers(self) -> Stopper:
        """SIGTERM/SIGINT/SIGHUP request a stop (main thread only)."""
        for name in ("SIGTERM", "SIGINT", "SIGHUP"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), self._handle)
        return self

    def request_stop(self) -> None:
        self.stop = True

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.request_stop()

    def sleep(self, seconds: float) -> None:
        """Sleeps in short slices, so a stop ends the wait within a fraction of a second."""
        end = time.monotonic() + seconds
        while not self.stop and (left := end - time.monotonic()) > 0:
            time.sleep(min(left, 0.1))


# ------------------------------------------------------------------ frame sources
def frames_from_source(
    source: str | None,
    cfg: Config,
    monitor: Monitor,
    stopper: Stopper,
    interval: float | None = None,
    control: LiveControl | None = None,
) -> tuple[Frames, str, FrameSource | None]:
    """(epoch seconds, frame) from ``source`` or the webcam, its name, and the file source if any."""
    from .sources import Camera

    if source:
        src = frame_source(source, fps=cfg.steady_fps)
        start = time.time()

        def paced() -> Frames:
            for t, f in src.frames():
                yield start + t, f
                src.fps = monitor.suggested_fps()  # the adaptive rate, as with the webcam

        return paced(), str(source), src

    def open_camera() -> Camera:
        cam = Camera(cfg.camera, fps=cfg.steady_fps)
        cam.open()
        return cam

    if interval:
        return duty_cycle(open_camera, monitor, interval, stopper), f"camera {cfg.camera}", None
    if control is not None:  # live monitoring: the camera is released between steady samples
        from .sharing import shared_camera_frames

        return shared_camera_frames(open_camera, monitor, stopper, control), f"camera {cfg.camera}", None
    frames = camera_frames(open_camera, monitor, sleep=stopper.sleep, should_stop=lambda: stopper.stop)
    return frames, f"camera {cfg.camera}", None


def duty_cycle(
    open_camera: Callable[[], Camera],
    monitor: Monitor,
    interval: float,
    stopper: Stopper,
    burst_s: float = 3.0,
) -> Frames:
    """Opens the camera for a short burst every ``interval`` seconds; the light is off in between.

    A camera that never delivered a frame is a set-up problem: its error is raised, as without
    ``interval``; a later loss pauses the monitor until the camera is back."""
    worked = False
    while not stopper.stop:
        began = time.time()
        try:
            cam = open_camera()
            try:
                for _, frame in cam.frames():
                    worked = True
                    yield time.time(), frame
                    if time.time() - began >= burst_s or stopper.stop:
                        break
            finally:
                cam.close()
        except CameraError as err:
            if not worked:
                raise
            monitor.pause(time.time(), str(err))
        stopper.sleep(interval - (time.time() - began))


# ------------------------------------------------------------------ driving a monitor
def drive(
    monitor: Monitor,
    estimator: PoseEstimator,
    frames: Frames,
    stopper: Stopper,
    control: LiveControl | None = None,
    gate: MotionGate[Detected] | None = None,
) -> int:
    """Feeds camera or file frames through pose estimation into ``monitor``; returns frames seen.

    ``control`` (live pause, resume, snooze) is applied between samples, in this thread.

    With a ``gate``, frames that did not move reuse the last pose (see :func:`pose_for`).
    """
    frames_seen = 0
    started = None
    last = time.time()
    try:
        for t, frame in frames:
            frames_seen += 1
            if started is None:
                started = t
                monitor.start(t)
            last = t
            paused = control is not None and control.sync(monitor, t)
            if not paused and frame is not None:  # None: a tick while paused (``sharing``)
                monitor.process(t, pose_for(monitor, estimator, frame, t - started, gate))
            if stopper.stop:
                break
    finally:
        if started is not None:
            monitor.stop(last)
    return frames_seen


def pose_for(
    monitor: Monitor, estimator: PoseEstimator, frame: np.ndarray, t: float, gate: MotionGate[Detected] | None
) -> PoseSample | None:
    """The person in ``frame`` for ``monitor``, or None; ``t`` in seconds since the start.

    With a ``gate``, a frame that did not move reuses the last pose (counted in ``monitor.reused``),
    except while the monitor learns the upright posture (its noise is learned from real
    measurements); while it samples at its alert rate (a decision pending, or the index near the
    threshold) or the slump index is at least half the threshold, the gate's shorter maximum age
    applies: a slow slump is followed closely from half-way on.
    """
    from .pipeline import detect

    gated = gate if monitor.machine.state is not State.LEARNING else None
    if gated is not None:
        index = monitor.last_score.index if monitor.last_score is not None else None
        gated.urgent = monitor.suggested_fps() >= monitor.rates.alert or (
            index is not None and index >= URGENT_INDEX * monitor.thresholds.enter
        )
    sample, _ = detect(estimator, frame, t, monitor.reference, gated)
    monitor.reused += gated is not None and gated.last_reused
    return sample


@dataclass
class Watched:
    """What a finished :func:`watch` leaves: the monitor (its alerts and counts) and the source."""

    monitor: Monitor
    frames_seen: int
    source: FrameSource | None


def watch(
    cfg: Config,
    profile: Profile | None,
    stopper: Stopper,
    *,
    db_path: str | None = None,
    model: str | None = None,
    source: str | None = None,
    interval: float | None = None,
    on_status: Callable[[Status], None] | None = None,
    on_message: OnMessage = _log_message,
    control: LiveControl | None = None,
) -> Watched:
    """Monitors the webcam (or a video file / image folder) until it ends or ``stopper`` stops it.

    ``db_path`` defaults to the user's posture log for the webcam and to memory for a file.
    ``control``: answers ``status``, ``pause``, ``resume`` and ``snooze`` while it runs.
    """
    path = db_path if db_path is not None else log_path(cfg, own_log=not source)
    if control is not None:
        on_status = control.watching(on_status)
    with (
        monitoring_log(path, on_message) as store,
        pose_estimator(model) as est,
        serving(control, on_message=on_message),
    ):
        live = not source
        monitor = build_monitor(
            cfg,
            profile,
            store,
            build_notifier(cfg),
            "",
            on_status,
            on_message,
            keep_learned=live,
            background_notify=live,
        )
        offer_actions(monitor, control)
        frames, name, src = frames_from_source(source, cfg, monitor, stopper, interval, control)
        monitor.camera = name
        seen = drive(monitor, est, frames, stopper, control, motion_gate(cfg))
    return Watched(monitor, seen, src)


def motion_gate(cfg: Config) -> MotionGate[Detected] | None:
    """The motion gate ``cfg`` asks for (``motion_threshold``, ``motion_max_age_s``), or None (off)."""
    from .motion import MotionGate

    if cfg.motion_threshold <= 0 or cfg.motion_max_age_s <= 0:
        return None
    return MotionGate(cfg.motion_threshold, cfg.motion_max_age_s)


def replay_into(
    monitor: Monitor,
    path: Path,
    start_epoch: float,
    speed: float,
    stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
    control: LiveControl | None = None,
) -> float:
    """Runs a recording through ``monitor``; speed 0 is as fast as possible. Returns the last time.

    Bad frames (non-finite values, time going backwards) are counted in ``monitor.dropped``.
    ``sleep`` should return early when ``stop`` becomes true (``Stopper.sleep`` does).
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
            last = max(last, t) if math.isfinite(t) else last
            if control is not None and math.isfinite(t) and control.sync(monitor, t):
                continue
            sample = None
            if frame.sample is not None:
                sample, _ = choose_person([frame.sample], monitor.reference)
            monitor.process(t, sample)
            if stop():
                break
    finally:
        if started is not None:
            monitor.stop(last)
    return last


def replay(
    cfg: Config,
    profile: Profile | None,
    recording: Path,
    stopper: Stopper,
    *,
    db_path: str = ":memory:",
    speed: float = 0.0,
    on_status: Callable[[Status], None] | None = None,
    on_message: OnMessage = _log_message,
    control: LiveControl | None = None,
) -> Monitor:
    """Runs a landmark recording through a monitor built from ``cfg`` (into memory unless ``db_path``);
    with ``control`` it answers live control like :func:`watch`."""
    if control is not None:
        on_status = control.watching(on_status)
    with monitoring_log(db_path, on_message) as store, serving(control, on_message=on_message):
        notifier = build_notifier(cfg)
        monitor = build_monitor(cfg, profile, store, notifier, str(recording), on_status, on_message)
        offer_actions(monitor, control)
        replay_into(monitor, recording, time.time(), speed, lambda: stopper.stop, stopper.sleep, control)
    return monitor
