"""The slump state machine: pure, driven by the timestamps of the samples it is given.

States: ``upright``, ``slumped``, ``away`` (nobody in frame), ``uncalibrated`` (someone is there
but posture cannot be judged: the camera no longer matches the profile, or a front camera with no
baseline), ``learning`` (the upright baseline is being learned, :mod:`slumpwatch.learn`), and
``paused`` (no frames: camera lost, laptop asleep). All delays are seconds.

* **Onset delay**: a slump must last ``onset_s`` before the state becomes ``slumped``; the state's
  start is then back-dated to when the slump began, so spans and messages tell the true length.
* **Hysteresis**: entering needs the slump index at ``Thresholds.enter``; leaving needs it below
  ``exit`` for ``recover_s``.
* **Away**: ``away_s`` without a person (back-dated to the first sample without one); a person must
  be back for ``return_s`` to leave it.
* **Dropouts**: samples without a person for less than ``away_s`` (a dropped frame, the face lost
  for a moment) and samples whose posture cannot be measured neither count for nor against a
  pending change: a slump being timed keeps its start, and so does a recovery. Only an away
  period (``away_s`` or more) ends an episode.
* **Gaps**: two samples further apart than ``max_gap_s`` mean the monitor was not looking; the gap
  becomes ``paused`` and is not counted as monitored time.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .scoring import Score, Thresholds, is_slumped


class State(str, Enum):
    UPRIGHT = "upright"
    SLUMPED = "slumped"
    AWAY = "away"
    UNCALIBRATED = "uncalibrated"
    LEARNING = "learning"
    PAUSED = "paused"


@dataclass(frozen=True)
class Timing:
    onset_s: float = 20.0
    recover_s: float = 5.0
    away_s: float = 5.0
    return_s: float = 2.0
    max_gap_s: float = 60.0


@dataclass(frozen=True)
class Transition:
    at: float
    old: State
    new: State


class SlumpStateMachine:
    """Feed ``update(t, score)`` with increasing ``t``; ``score`` None means nobody in frame.

    ``score.index`` None (pose too uncertain) holds the current state and any pending change.
    ``judge=False`` (the camera does not match the profile) makes a present person ``uncalibrated``.
    """

    def __init__(self, thresholds: Thresholds, timing: Timing | None = None) -> None:
        self.thresholds = thresholds
        self.timing = timing or Timing()
        self.state: State | None = None
        self.since = 0.0
        self.last_t: float | None = None
        self._candidate: State | None = None
        self._candidate_since = 0.0
        self._absent_since: float | None = None  # first sample of the current run without a person

    def update(
        self, t: float, score: Score | None, judge: bool = True, hold: State | None = None
    ) -> list[Transition]:
        """One sample at ``t``. ``hold`` (``learning`` or ``uncalibrated``): a present person is in
        that state, with no verdict; ``judge=False`` is ``hold=UNCALIBRATED``."""
        if not judge and hold is None:
            hold = State.UNCALIBRATED
        out: list[Transition] = []
        if self.last_t is not None and t - self.last_t > self.timing.max_gap_s:
            out += self._set(State.PAUSED, self.last_t)
            self._candidate, self._absent_since = None, None
        if self.last_t is not None and t < self.last_t:
            t = self.last_t  # clocks never run backwards here
        self.last_t = t
        if score is None:
            return out + self._absent(t)
        self._absent_since = None
        target = hold if hold is not None else self._target(score)
        if self.state is None or self.state is State.PAUSED:
            # Starting (or resuming) never jumps straight to a slump: the onset delay applies.
            start = State.UPRIGHT if target in (None, State.SLUMPED) else target
            out += self._set(start, t)
            if target is State.SLUMPED:
                self._candidate, self._candidate_since = State.SLUMPED, t
            return out
        if target is None:  # present but not measurable: a dropout, not evidence
            return out
        if target is self.state:
            self._candidate = None
            return out
        if target is not self._candidate:
            self._candidate, self._candidate_since = target, t
        if t - self._candidate_since >= self._delay(self.state, target):
            out += self._set(target, self._candidate_since)
        return out

    def _absent(self, t: float) -> list[Transition]:
        """Nobody in this sample: away once nobody has been seen for ``away_s``."""
        if self.state is None or self.state is State.PAUSED:
            return self._set(State.AWAY, t)
        if self.state is State.AWAY:
            self._candidate = None  # a return being timed is cut short
            return []
        if self._absent_since is None:
            self._absent_since = t
        if t - self._absent_since >= self.timing.away_s:
            return self._set(State.AWAY, self._absent_since)
        return []

    @property
    def pending(self) -> bool:
        """A change of state is being timed (onset, recovery, away or return delay)."""
        return self._candidate is not None or self._absent_since is not None

    def stop(self, t: float) -> list[Transition]:
        """Monitoring ends (or the camera was lost) at ``t``."""
        self._candidate, self._absent_since = None, None
        return self._set(State.PAUSED, t)

    @property
    def slumping(self) -> bool:
        """In a slump episode, or timing the onset of one."""
        return self.state is State.SLUMPED or self._candidate is State.SLUMPED

    def _target(self, score: Score) -> State | None:
        slumping = self.slumping
        verdict = is_slumped(score, self.thresholds, currently_slumped=slumping)
        if verdict is None:
            return None
        return State.SLUMPED if verdict else State.UPRIGHT

    def _delay(self, old: State, new: State) -> float:
        if new is State.SLUMPED:
            return self.timing.onset_s
        if old is State.AWAY:
            return self.timing.return_s
        if old is State.SLUMPED:
            return self.timing.recover_s
        return 0.0

    def _set(self, new: State, at: float) -> list[Transition]:
        if new is self.state:
            return []
        old = self.state
        self.state, self.since = new, at
        self._candidate, self._absent_since = None, None
        return [] if old is None else [Transition(at, old, new)]
