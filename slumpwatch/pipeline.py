"""Glue between a frame, the pose estimator and the person filter, shared by every command."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .geometry import person_problem
from .landmarks import PoseSample
from .motion import MotionGate, thumbnail
from .pose import PoseEstimator
from .sources import VIDEO_SUFFIXES, ImageFiles, VideoFile, brightness

# A frame this dark (mean grey level) is a covered camera or a dark room, never a person.
BLACK_FRAME = 12.0


def choose_person(
    people: Sequence[PoseSample], reference: tuple[float, float] | None = None
) -> tuple[PoseSample | None, str | None]:
    """The person who counts: plausible, and nearest ``reference`` (normalised shoulder midpoint)."""
    usable: list[PoseSample] = []
    problem = "no person"
    for p in people:
        why = person_problem(p)
        if why is None:
            usable.append(p)
        else:
            problem = why
    if not usable:
        return None, problem
    if reference is not None and len(usable) > 1:
        usable.sort(key=lambda p: _distance(p, reference))
    chosen = usable[0]
    if len(usable) > 1 and chosen.extra_people != len(usable) - 1:
        chosen = PoseSample(chosen.landmarks, chosen.world, chosen.image_size, len(usable) - 1, chosen.meta)
    return chosen, None


def _distance(p: PoseSample, ref: tuple[float, float]) -> float:
    center = p.shoulder_center()
    return math.inf if center is None else math.hypot(center[0] - ref[0], center[1] - ref[1])


Detected = tuple[PoseSample | None, str | None]


def detect(
    estimator: PoseEstimator,
    frame: np.ndarray,
    t: float,
    reference: tuple[float, float] | None = None,
    gate: MotionGate[Detected] | None = None,
) -> Detected:
    """The person in ``frame`` or why there is none. Black frames never reach the model.

    With a ``gate``, a frame that has not moved since the model last ran reuses its result
    (``gate.last_reused`` says so; see :mod:`slumpwatch.motion`).
    """
    if gate is not None:
        gate.last_reused = False
    if brightness(frame) < BLACK_FRAME:
        return None, "camera covered or frame black"
    if gate is None:
        return choose_person(estimator(frame, t), reference)
    thumb = thumbnail(frame)
    kept = gate.reuse(t, thumb)
    if kept is not None:
        return kept
    found = choose_person(estimator(frame, t), reference)
    gate.saw(t, thumb, found)
    return found


def detect_file(
    estimator_factory: type, path: Path, model: str | None
) -> list[tuple[float, PoseSample | None, str | None]]:
    """Runs a fresh estimator over one image or video; used by ``evaluate`` and ``analyze``."""
    video = path.suffix.lower() in VIDEO_SUFFIXES
    errors: list[str] = []
    with estimator_factory(model, video=video) as est:
        source = VideoFile(path) if video else ImageFiles([path], on_error=lambda p, why: errors.append(why))
        out = [(t, *detect(est, frame, t)) for t, frame in source.frames()]
    if errors:
        return [(0.0, None, f"unreadable: {errors[0]}")]
    return out
