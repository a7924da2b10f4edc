"""The monitoring pipeline: samples -> scoring -> state machine -> notifier -> posture log.

``Monitor.process(t, sample)`` is driven by timestamps (epoch seconds), so the same code serves the
webcam, video files, replays at any speed and the tests. ``run_source`` adds the capture loop:
adaptive sampling rate, camera loss with back-off, and clean shutdown.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from .calibration import Profile, camera_mismatch
from .errors import CameraError
from .geometry import View
from .landmarks import PoseSample, sample_problem
from .learn import BaselineLearner
from .notify.policy import AlertPolicy
from .notify.routes import BackgroundSender, Notifier
from .scoring import Baseline, Score, Sensitivity, Thresholds, is_slumped, score
from .state import SlumpStateMachine, State, Timing, Transition
from .store import AlertRecord, BufferedLog, Span, SpanMerger, Store

log = logging.getLogger(__name__)

STARTUP_CHECK_SAMPLES = 5
# The open span is written at least this often (seconds of sample time): a kill loses no more.
CHECKPOINT_S = 15.0


@dataclass(frozen=True)
class Rates:
    """Pose samples per second: steady, near the threshold, and while nobody is there."""

    steady: float = 0.4
    alert: float = 1.0
    away: float = 0.2
    near_fraction: float = 0.6  # within 60% of the entry threshold counts as near


@dataclass
class Status:
    state: State | None
    since: float
    trunk_deg: float | None
    calibrated: bool
    message: str = ""
    basis: str = ""  # what posture is judged against (``store.BASES``)
    learning_left: int = 0  # samples still to learn before the first verdict
    t: float | None = None  # the sample's time: durations come from the sample clock


@dataclass
class SentAlert:
    t: float
    title: str
    body: str
    route: str
    exercise: str


@dataclass
class Monitor:
    profile: Profile | None
    store: Store | None
    notifier: Notifier
    policy: AlertPolicy = field(default_factory=AlertPolicy)
    sensitivity: Sensitivity = Sensitivity.MEDIUM
    timing: Timing = field(default_factory=Timing)
    rates: Rates = field(default_factory=Rates)
    tz: tzinfo | None = None
    camera: str = ""
    on_status: Callable[[Status], None] | None = None
    on_message: Callable[[str], None] = lambda m: log.warning("%s", m)
    checkpoint_s: float = CHECKPOINT_S
    # Self-calibration for a front camera without a profile (None: such a camera gets no verdict).
    learner: BaselineLearner | None = None
    on_learned: Callable[[Baseline], None] | None = None  # saves a refreshed learned baseline
    save_every_s: float = 60.0
    # Send notifications on a worker thread (``run``): the loop never waits for a notification server.
    notify_in_background: bool = False

    def __post_init__(self) -> None:
        self.thresholds = Thresholds.for_sensitivity(self.sensitivity)
        self.machine = SlumpStateMachine(self.thresholds, self.timing)
        self.merger = SpanMerger()
        self.sent: list[SentAlert] = []
        self.judge = True
        self._startup: list[PoseSample] = []
        self._checked = self.profile is None
        self.last_score: Score | None = None
        self.reference: tuple[float, float] | None = None
        self.log = None if self.store is None else BufferedLog(self.store, lambda m: self.on_message(m))
        self.dropped: Counter[str] = Counter()  # samples refused at the input boundary, by reason
        self.processed = 0  # samples accepted
        self.reused = 0  # samples whose pose was reused because nothing moved (``motion.py``)
        self._last_t = -math.inf
        self._checkpoint_t = -math.inf
        self.basis = "calibrated" if self.profile is not None else "uncalibrated"
        self._saved_version = 0
        self._saved_t = -math.inf
        self.sender = BackgroundSender(self.notifier) if self.notify_in_background else None
        self._pending: dict[int, tuple[AlertRecord, SentAlert]] = {}

    @property
    def session_id(self) -> int | None:
        return self.log.session_id if self.log else None

    # ------------------------------------------------------------ lifecycle
    def start(self, t: float) -> None:
        self._last_t = self._checkpoint_t = t
        if self.log is not None:
            settings = {
                "sensitivity": self.sensitivity.value,
                "thresholds": vars(self.thresholds),
                "timing": vars(self.timing),
            }
            name = self.profile.name if self.profile else "(uncalibrated)"
            self.log.start_session(t, name, self.camera, settings)
        if self.profile is None and self.learner is not None and self.learner.seeded:
            self.on_message("no calibration profile: using the upright posture learned last time")
        elif self.profile is None and self.learner is not None:
            self.on_message(
                "no calibration profile: learning your upright posture first (sit as you normally "
                "do; no warnings until then). A side camera uses absolute ergonomic limits."
            )
        elif self.profile is None:
            self.on_message("no calibration profile: using absolute ergonomic limits (uncalibrated)")

    def stop(self, t: float) -> None:
        """Closes the open span and the session and writes them (waiting a little for a busy log)."""
        t = max(t, self._last_t) if math.isfinite(self._last_t) else t
        self._save_learned(t, force=True)
        self._collect_sent(wait=True)
        self._apply(self.machine.stop(t))
        self._write(self.merger.close(t))
        if self.log is not None:
            self.log.end_session(t)
            self.log.finish()

    def checkpoint(self, t: float) -> None:
        """Writes the open span as it stands, so a crash loses at most ``checkpoint_s``."""
        self._checkpoint_t = t
        if self.log is not None:
            span = self.merger.peek(t)
            if span is not None:
                self.log.put_span(span)
            self.log.flush()

    def pause(self, t: float, why: str, retrying: bool = True) -> None:
        """No frames (camera lost, or paused by the user): the time from ``t`` on is paused, not
        monitored."""
        if self.machine.state is not State.PAUSED:
            self.on_message(f"{why}; pausing and retrying" if retrying else why)
            if self.machine.state is None:  # nothing measured yet: the paused stretch starts here
                self.merger.add(t, State.PAUSED.value, basis=self.basis)
            self._apply(self.machine.stop(t))

    # ------------------------------------------------------------ per sample
    def process(self, t: float, sample: PoseSample | None) -> Status:
        why = self._refuse(t, sample)
        if why is not None:
            self.dropped[why] += 1
            return Status(self.machine.state, self.machine.since, None, self.profile is not None, why)
        self._last_t = t
        self.processed += 1
        self._collect_sent()
        s = None
        hold: State | None = None
        if sample is not None:
            if not self._checked:
                self._startup_check(sample)
            s, hold = self._assess(t, sample)
            self.last_score = s
            self.reference = sample.shoulder_center() or self.reference
        self._apply(self.machine.update(t, s, judge=self.judge, hold=hold))
        dev = s.trunk_deg if s is not None and self.machine.state in (State.UPRIGHT, State.SLUMPED) else None
        assert self.machine.state is not None
        self._write(self.merger.add(t, self.machine.state.value, dev, self.basis))
        if self.machine.state is State.SLUMPED:
            self._maybe_alert(t, s)
        if t - self._checkpoint_t >= self.checkpoint_s:
            self.checkpoint(t)
        status = Status(
            self.machine.state,
            self.machine.since,
            s.trunk_deg if s else None,
            self.profile is not None,
            basis=self.basis,
            learning_left=self.learner.remaining if self.learner is not None else 0,
            t=t,
        )
        if self.on_status:
            self.on_status(status)
        return status

    def suggested_fps(self) -> float:
        """Samples per second for the next frame: faster only while a decision is pending."""
        state = self.machine.state
        if state is State.AWAY:
            return self.rates.away
        if self.machine.pending or state is State.LEARNING:
            return self.rates.alert  # a decision is being timed, or the baseline is being learned
        index = self.last_score.index if self.last_score else None
        enter = self.thresholds.enter
        near = index is not None and abs(index - enter) <= (1 - self.rates.near_fraction) * enter
        return self.rates.alert if near else self.rates.steady

    # ------------------------------------------------------------ internals
    def _assess(self, t: float, sample: PoseSample) -> tuple[Score, State | None]:
        """The score of a present person, what it is judged against, and a state to hold instead of a
        verdict (learning, or an uncalibrated front camera, whose population default never warns)."""
        if self.profile is not None:
            self.basis = "calibrated"
            return score(sample, self.profile.baseline), None
        absolute = score(sample, None)
        if absolute.view is View.SIDE:
            self.basis = "absolute"  # a side camera's ergonomic limits hold for everyone
            return absolute, None
        if self.learner is None:
            self.basis = "uncalibrated"
            return absolute, State.UNCALIBRATED
        self.learner.observe(sample, slumped=self.machine.slumping)
        learned = self.learner.baseline
        if learned is None:
            self.basis = "learning"
            return absolute, State.LEARNING
        self.basis = "doubtful" if self.learner.doubtful else "learned"
        self._save_learned(t)
        return score(sample, learned), None

    def _save_learned(self, t: float, force: bool = False) -> None:
        learner = self.learner
        if learner is None or learner.baseline is None or self.on_learned is None:
            return
        if learner.version == self._saved_version or (not force and t - self._saved_t < self.save_every_s):
            return
        self._saved_version, self._saved_t = learner.version, t
        self.on_learned(learner.baseline)

    def _refuse(self, t: float, sample: PoseSample | None) -> str | None:
        """Why this input must not reach the state machine or the log, or None."""
        if not math.isfinite(t):
            return "time not finite"
        if t < self._last_t:
            return "time going backwards"
        if sample is not None:
            return sample_problem(sample)
        return None

    def _startup_check(self, sample: PoseSample) -> None:
        assert self.profile is not None
        self._startup.append(sample)
        if len(self._startup) < STARTUP_CHECK_SAMPLES:
            return
        self._checked = True
        why = camera_mismatch(self.profile, self._startup)
        if why:
            self.judge = False
            self.on_message(f"recalibrate? {why}. Run `slumpwatch calibrate --profile {self.profile.name}`")

    def _write(self, span: Span | None) -> None:
        if span is not None and self.log is not None:
            self.log.put_span(span)
            self.log.flush()

    def _apply(self, transitions: list[Transition]) -> None:
        for tr in transitions:
            # Back-dated transitions split the open span at the true change time.
            self._write(self.merger.close(tr.at))
            self.merger.add(tr.at, tr.new.value, basis=self.basis)
            if tr.old is State.SLUMPED:
                self.policy.episode_ended()

    def _maybe_alert(self, t: float, s: Score | None) -> None:
        # Only while this sample is itself slumped: not while a recovery is being timed.
        if s is None or s.trunk_deg is None or not is_slumped(s, self.thresholds, currently_slumped=True):
            return
        local = datetime.fromtimestamp(t, self.tz)
        personal = self.basis in ("calibrated", "learned", "doubtful")
        alert = self.policy.decide(t, local, t - self.machine.since, s.trunk_deg, personal)
        if alert is None:
            return
        record = AlertRecord(t, alert.kind, alert.exercise.key, None)
        if self.sender is not None:
            self._pending[id(record)] = (
                record,
                SentAlert(t, alert.title, alert.body, "", alert.exercise.key),
            )
            self.sender.submit(id(record), alert.title, alert.body)
            return
        route = self.notifier.send(alert.title, alert.body)
        self._sent(record, SentAlert(t, alert.title, alert.body, route, alert.exercise.key), route)

    def _sent(self, record: AlertRecord, sent: SentAlert, route: str) -> None:
        self.sent.append(dataclasses.replace(sent, route=route))
        if self.log is not None:
            self.log.put_alert(dataclasses.replace(record, route=route))
            self.log.flush()

    def _collect_sent(self, wait: bool = False) -> None:
        """Stores the alerts the background sender has delivered (all of them when ``wait``)."""
        if self.sender is None:
            return
        for key, route in self.sender.close() if wait else self.sender.drain():
            record, sent = self._pending.pop(key)
            self._sent(record, sent, route)


def camera_frames(
    open_source: Callable[[], Any],
    monitor: Monitor,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    max_backoff_s: float = 60.0,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[tuple[float, Any]]:
    """Frames from a camera that may disappear: on loss, pause, retry with back-off, resume.

    A camera that never delivered a frame is a set-up problem, not a loss: its error is raised.
    """
    backoff = 1.0
    worked = False
    while not should_stop():
        source = None
        try:
            source = open_source()
            for _, frame in source.frames():
                backoff = 1.0  # only a delivered frame proves the camera is back
                worked = True
                yield clock(), frame
                if should_stop():
                    return
                source.fps = monitor.suggested_fps()
        except CameraError as err:
            if not worked:
                raise
            monitor.pause(clock(), str(err))
            sleep(backoff)
            backoff = min(backoff * 2, max_backoff_s)
        finally:
            if source is not None:
                source.close()
