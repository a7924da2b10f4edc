"""Motion-gated inference: reuse the last pose when nothing in the picture moved.

A person working at a desk mostly sits still, so most samples would repeat the last pose at the
cost of a model run (25-45 ms). :class:`MotionGate` compares each sampled frame's small grey
thumbnail (:data:`THUMB_SIZE`, :func:`thumbnail`, about 0.1 ms) with the thumbnail of the **last
frame the model saw**, not the previous frame, so a slow drift adds up until it crosses the
threshold. The last result is reused while

* the mean absolute difference of the two thumbnails is below :data:`THRESHOLD` grey levels, and
* the last model run is younger than :data:`MAX_AGE_S` seconds (sample time): after that the model
  runs anyway, whatever the picture; :data:`URGENT_AGE_S` while ``urgent`` is set (``app.pose_for``
  sets it while a decision is being timed or the slump index is at least half the threshold, so a
  slow slump that is about to cross it is seen within seconds, not 15), and for :data:`MAX_AGE_S`
  seconds after the picture last moved: a posture in transition (a slow slump, settling into the
  chair) keeps changing after the movement that was seen, often by less than the threshold, and the
  model's verdict can flip anywhere in it. Only a picture that has been still that long gets the
  long age.

The threshold comes from a noise model on the real photos in ``../shared/frames`` (scaled to
640x480): sensor noise (Gaussian, sigma 3 grey levels) plus a shift of up to 2 pixels between the
two frames gives at most 3.8 (median 1.2-2.7 by set); any upright/slumped pair of the same sitting
differs by at least 8.9 (the subtle session B; session A 16.8, the side photos 29). 6.0 sits near
the geometric mean of 3.8 and 8.9, with a margin of about 1.5 on either side. Tests pin both.

The gate is pure: it never reads the clock or the camera; it is driven by ``(t, thumbnail)`` calls.
"""

from __future__ import annotations

import math
from typing import Generic, TypeVar

import numpy as np

THUMB_SIZE = (32, 24)  # width, height: a 640x480 frame averaged over 20x20 blocks
THRESHOLD = 6.0  # mean absolute grey-level difference of the thumbnails that counts as movement
MAX_AGE_S = 15.0  # the model runs at least this often (sample time), even if nothing moved
URGENT_AGE_S = 3.0  # ... and this often while ``urgent`` (a decision is near)

R = TypeVar("R")


def thumbnail(frame_bgr: np.ndarray) -> np.ndarray:
    """The frame as a :data:`THUMB_SIZE` grey thumbnail (float32, grey levels 0-255)."""
    import cv2

    grey = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY) if frame_bgr.ndim == 3 else frame_bgr
    small = cv2.resize(grey, THUMB_SIZE, interpolation=cv2.INTER_AREA)
    return np.asarray(small, dtype=np.float32)


def difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two thumbnails, in grey levels."""
    return float(np.abs(a - b).mean())


class MotionGate(Generic[R]):
    """Decides, per sampled frame, whether the model must run or its last result still holds.

    ``reuse(t, thumb)`` returns the last result when it may be reused (and counts it), else None;
    after a model run, ``saw(t, thumb, result)`` records what the model saw and said (a result is
    never None: ``detect`` gives ``(sample or None, problem or None)``).
    ``threshold`` 0 or ``max_age_s`` 0 never reuses.
    """

    def __init__(
        self, threshold: float = THRESHOLD, max_age_s: float = MAX_AGE_S, urgent_age_s: float = URGENT_AGE_S
    ) -> None:
        self.threshold = threshold
        self.max_age_s = max_age_s
        self.urgent_age_s = min(urgent_age_s, max_age_s)
        self.urgent = False  # set by the caller while a decision is near: the shorter age applies
        self.reused = 0  # samples that reused the last result
        self.ran = 0  # samples the model saw
        self.last_reused = False  # whether the latest sample was reused
        self.last_difference: float | None = None  # against the last frame the model saw
        self._thumb: np.ndarray | None = None
        self._t = -math.inf
        self._result: R | None = None
        self._moved_t = -math.inf  # sample time of the latest model run that movement caused

    def reuse(self, t: float, thumb: np.ndarray) -> R | None:
        """The last result if nothing moved since the model last ran and that run is fresh, else None."""
        self.last_reused = False
        self.last_difference = None
        if self._thumb is None or self._result is None or self._thumb.shape != thumb.shape:
            return None
        self.last_difference = difference(thumb, self._thumb)
        age = t - self._t
        if self.last_difference >= self.threshold or not (0 <= age < self.max_age(t)):
            return None
        self.reused += 1
        self.last_reused = True
        return self._result

    def max_age(self, t: float) -> float:
        """How old the last model run may be at ``t``: short while urgent or soon after movement."""
        settling = 0 <= t - self._moved_t < self.max_age_s
        return self.urgent_age_s if self.urgent or settling else self.max_age_s

    def saw(self, t: float, thumb: np.ndarray, result: R) -> None:
        """The model ran on the frame whose thumbnail is ``thumb`` at ``t`` and said ``result``."""
        self.ran += 1
        self.last_reused = False
        if self.last_difference is not None and self.last_difference >= self.threshold:
            self._moved_t = t  # this run was for movement (``reuse`` refused it just now)
        self._thumb, self._t, self._result = thumb, t, result

    def forget(self) -> None:
        """The next sample runs the model (for example after a gap or a camera change)."""
        self._thumb, self._result, self.last_difference = None, None, None
        self._moved_t = -math.inf
