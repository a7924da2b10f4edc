"""Self-calibration: learning a person's upright front-view baseline from their own frames.

Pure: fed samples one by one, never reads the clock, never prints. Used when a front camera has no
calibration profile (:mod:`slumpwatch.monitor`) and by ``evaluate --mode self``.

* **Learning**: the first ``LEARN_SAMPLES`` samples with a person in front of the camera. No verdict
  is given meanwhile (a statistic needs samples, so the period is counted in samples; the monitor
  samples once a second while learning, so it lasts about 40 s).
* **Reference**: the front features of the last ``WINDOW_SAMPLES`` present samples, minus those of
  a slump episode. The neck ratios come from the ``UPRIGHT_QUANTILE`` of them with the longest necks
  (the neck ratio, unlike the head's height, does not move when the whole body shifts in the image);
  the positions (head and shoulder heights, shoulder width) are the medians of the last
  ``POSITION_RECENT``, so a nudged camera or a raised chair is followed. The verdict works exactly as
  for a calibration (:mod:`slumpwatch.scoring`); its noise is the robust sigma of the recent
  samples (a calibration's also looks at the upper tail, see ``front_noise``). Refreshed every
  ``REFRESH_SAMPLES`` samples, so it follows a person slowly and is never dragged along by a slump.
  The constants were chosen on the shared recordings (README, "Measured"); ``UPRIGHT_QUANTILE``
  by leaving one of ten sessions out at a time (0.8 in nine folds): a smaller share ratchets the
  reference towards the most upright moments, since what it calls slumped never enters the window,
  and someone who started the monitor sitting consciously straight is then warned for relaxing.
* **Camera moved**: shoulders that stay (``MOVE_SAMPLES`` in a row) at another size (by more than
  ``MOVE_SCALE``) or shifted sideways (by more than ``MOVE_SHIFT_SW`` shoulder widths) restart the
  learning. Only samples not judged slumped count: leaning in towards the screen can make the
  shoulders look half again as wide, and that is a slump, not a moved camera.
* **Doubt**: a person who sat one way all along (the window's median frame scores less than
  ``CONTRAST_INDEX`` against the reference, no sample scored as a slump against it, and no
  correction happened) gives no contrast: the reference may itself be a slump. ``doubtful`` is
  then true, and the monitor and reports suggest ``slumpwatch calibrate``.
* **Correction**: ``MOVE_SAMPLES`` samples in a row clearly more upright than the reference (slump
  index at most ``UPRIGHTER_INDEX``) mean it was learned while slumped: the window keeps only what
  that posture does not call slumped, and the reference is learned again from it.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Iterable, Mapping

from .geometry import MIN_CONFIDENCE, View
from .landmarks import PoseSample
from .scoring import (
    Baseline,
    baseline_from_features,
    front_features,
    front_index,
    front_measures,
    front_noise,
    robust_sigma,
)

LEARN_SAMPLES = 40
WINDOW_SAMPLES = 600
REFRESH_SAMPLES = 10
UPRIGHT_QUANTILE = 0.8
MOVE_SCALE = 0.5
MOVE_SHIFT_SW = 0.6
MOVE_SAMPLES = 10
CONTRAST_INDEX = 0.3
POSITION_RECENT = 400
UPRIGHTER_INDEX = -1.0
SHAPES = ("neck_ratio@", "head_width@")  # signals that do not move when the body shifts in the image


class BaselineLearner:
    """Learns an upright front baseline from a stream of samples (see the module docstring)."""

    def __init__(self, seed: Baseline | None = None, min_conf: float = MIN_CONFIDENCE) -> None:
        self.min_conf = min_conf
        self._window: deque[dict[str, float]] = deque(maxlen=WINDOW_SAMPLES)
        self._since_refresh = 0
        self._moved = 0
        self._uprighter = 0
        self._recent_upright: list[dict[str, float]] = []
        self._contrast_seen = False
        self.corrections = 0
        self.size: tuple[int, int] | None = None
        self.baseline: Baseline | None = seed if seed is not None and seed.view is View.FRONT else None
        self.seeded = self.baseline is not None
        self.doubtful = False
        self.restarts = 0
        self.version = 0  # counts refreshes of the reference, for saving it

    @property
    def learning(self) -> bool:
        return self.baseline is None

    @property
    def remaining(self) -> int:
        """Samples still needed before the first reference (0 once learned)."""
        return 0 if self.baseline is not None else max(LEARN_SAMPLES - len(self._window), 0)

    def observe(self, sample: PoseSample, slumped: bool = False) -> None:
        """One sample of a present person; ``slumped``: the caller judges it part of a slump episode."""
        feats = front_features(sample, self.min_conf)
        if feats is None:
            return
        # A slump explains a change of size (leaning in towards the screen): only upright-looking
        # samples can tell that the camera moved.
        if self.baseline is not None and not slumped and self._camera_moved(feats):
            self.restart()
            self.restarts += 1
        if sample.image_size is not None:
            self.size = sample.image_size
        index = None if self.baseline is None else _index(feats, self.baseline)
        if index is not None and index >= 1.0:
            # Seen clearly worse than the reference: it is not the person's worst posture.
            self._contrast_seen, self.doubtful = True, False
        if self.baseline is not None and not slumped and self._sits_more_upright(feats, index):
            self._correct()
            return
        if not slumped:
            self._window.append(feats)
            self._since_refresh += 1
        if self.baseline is None:
            if len(self._window) >= LEARN_SAMPLES:
                self._refresh()
        elif self._since_refresh >= REFRESH_SAMPLES and len(self._window) >= LEARN_SAMPLES:
            self._refresh()

    def settle(self) -> None:
        """Learn from a finite set seen all at once (photos: no time order), even if short of
        ``LEARN_SAMPLES``: a first reference, then again without the samples it calls slumped."""
        if not self._window:
            return
        self._refresh(upright_positions=True)
        if self.baseline is None:
            return
        kept = _not_slumped(self._window, self.baseline)
        if len(kept) >= 5:
            self._window = deque(kept, maxlen=WINDOW_SAMPLES)
            self._refresh()

    def restart(self) -> None:
        """Forget everything: the camera or chair moved."""
        self._window.clear()
        self._since_refresh = self._moved = self._uprighter = 0
        self._recent_upright.clear()
        self._contrast_seen = False
        self.baseline, self.seeded, self.doubtful = None, False, False

    def _sits_more_upright(self, feats: dict[str, float], index: float | None) -> bool:
        """Sustained samples clearly more upright than the reference (``index``, this sample's slump
        index against it): it was learned slumped."""
        if index is not None and index <= UPRIGHTER_INDEX:
            self._uprighter += 1
            self._recent_upright.append(feats)
        else:
            self._uprighter = 0
            self._recent_upright.clear()
        return self._uprighter >= MOVE_SAMPLES

    def _correct(self) -> None:
        """Re-learn around the more upright posture: drop what it calls slumped, then refresh."""
        try:
            better = baseline_from_features(View.FRONT, list(self._recent_upright), self.size)
        except ValueError:
            return
        kept = _not_slumped(self._window, better)
        self._window = deque([*kept, *self._recent_upright], maxlen=WINDOW_SAMPLES)
        self._uprighter = 0
        self._recent_upright.clear()
        self.corrections += 1
        self._contrast_seen = True  # two postures seen, the reference is the more upright one
        self._refresh()

    def _camera_moved(self, feats: Mapping[str, float]) -> bool:
        assert self.baseline is not None
        sig = self.baseline.signals
        if "shoulder_width" not in sig or "shoulder_x" not in feats or "shoulder_x" not in sig:
            return False
        w0 = sig["shoulder_width"].median
        scale = feats["shoulder_width"] / w0
        shift = abs(feats["shoulder_x"] - sig["shoulder_x"].median) / w0
        if scale > 1 + MOVE_SCALE or scale < 1 / (1 + MOVE_SCALE) or shift > MOVE_SHIFT_SW:
            self._moved += 1
        else:
            self._moved = 0
        return self._moved >= MOVE_SAMPLES

    def _refresh(self, upright_positions: bool = False) -> None:
        self._since_refresh = 0
        rows = list(self._window)
        recent = rows[-POSITION_RECENT:]
        try:
            necks = _most_upright(rows, self.size)
            where = necks if upright_positions else baseline_from_features(View.FRONT, recent, self.size)
        except ValueError:
            return
        # Shapes (neck ratios, head width over shoulder width): the most upright part of the whole
        # window (they do not move when the body shifts in the image). Positions (head and shoulder
        # heights, shoulder width): the median of the recent samples, so a nudged camera or a raised
        # chair is followed; slump episodes never enter the window, so these are upright too.
        sig = {k: v for k, v in where.signals.items() if not k.startswith(SHAPES)}
        sig.update({k: v for k, v in necks.signals.items() if k.startswith(SHAPES)})
        reference = Baseline(View.FRONT, sig, self.size, front_noise(recent, sig, robust_sigma))
        indices = [
            front_index(m, {}) for r in rows if (m := front_measures(r, reference.signals)) is not None
        ]
        contrast = statistics.median(indices) if indices else 0.0
        self.baseline, self.seeded = reference, False
        self._contrast_seen = self._contrast_seen or contrast >= CONTRAST_INDEX
        self.doubtful = not self._contrast_seen
        self.version += 1


def _index(feats: Mapping[str, float], reference: Baseline) -> float | None:
    """The slump index of one sample's features against ``reference`` (None: nothing in common)."""
    m = front_measures(feats, reference.signals)
    return None if m is None else front_index(m, reference.noise)


def _not_slumped(rows: Iterable[dict[str, float]], reference: Baseline) -> list[dict[str, float]]:
    """The rows that ``reference`` does not call slumped (or cannot judge)."""
    return [r for r in rows if (index := _index(r, reference)) is None or index < 1.0]


def _most_upright(rows: list[dict[str, float]], size: tuple[int, int] | None) -> Baseline:
    """The baseline of the rows with the longest necks (``UPRIGHT_QUANTILE`` of them)."""
    everyone = baseline_from_features(View.FRONT, rows, size)
    ranked = sorted(
        (m["neck_raw"], i)
        for i, r in enumerate(rows)
        if (m := front_measures(r, everyone.signals)) is not None
    )
    keep = max(int(len(ranked) * UPRIGHT_QUANTILE), min(len(ranked), 5))
    return baseline_from_features(View.FRONT, [rows[i] for _, i in ranked[:keep]], size)


__all__ = ["LEARN_SAMPLES", "BaselineLearner"]
