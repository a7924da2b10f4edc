"""Posture geometry: pure functions from a :class:`PoseSample` to angles in degrees.

Conventions (also in the README):

* **Trunk flexion** is the angle of the line from the hip midpoint to the shoulder midpoint,
  measured from vertical. 0 degrees is sitting straight up; **positive is forward** (towards where
  the face points), negative is leaning back.
* **Neck flexion** is the angle of the line from the shoulder midpoint to the ear midpoint, from
  vertical, with the same sign. A forward head posture gives a positive angle.
* In a **side view** both come from the 2D image, in square pixels (normalised coordinates times
  the image size), and "forward" is the side the nose is on relative to the ears. Mirrored
  images give the same angles.
* In a **front view** the hips are usually below the frame (MediaPipe still guesses them with low
  visibility). The trunk angle then comes from the world landmarks (metric, depth from the model):
  the hip-to-shoulder line in the y-z plane, forward meaning towards the camera. This estimate is
  coarse; :mod:`slumpwatch.scoring` adds head-and-shoulder measures against the calibrated
  baseline, which work from image landmarks alone.

Landmarks are trusted when both visibility and presence are at least ``min_confidence`` and, for
hips, when they lie inside the image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum

from .landmarks import Landmark, PoseSample

MIN_CONFIDENCE = 0.5
# Shoulder width divided by the vertical head-to-shoulder (or shoulder-to-hip) distance.
# Facing the camera this is about 1.5-2.5; in profile the shoulders overlap and it falls below 0.5.
SIDE_MAX_RATIO = 0.6
FRONT_MIN_RATIO = 0.9


class View(str, Enum):
    SIDE = "side"
    FRONT = "front"
    UNKNOWN = "unknown"


Point = tuple[float, float]


@dataclass(frozen=True)
class Geometry:
    """What the geometry could measure in one sample. Angles in degrees, lengths in pixels."""

    view: View
    trunk_deg: float | None
    neck_deg: float | None
    trunk_source: str | None  # "image" (side, hips seen), "world" (hips inferred), or None
    shoulder_width: float | None
    shoulder_y: float | None
    head_y: float | None
    head_point: str | None  # which landmarks gave head_y: "ears", "eyes" or "nose"
    neck_ratio: float | None  # vertical head-to-shoulder distance / shoulder width
    uncertain: tuple[str, ...] = field(default_factory=tuple)


def _mid(a: Point, b: Point) -> Point:
    return (a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0


def angle_from_vertical(lower: Point, upper: Point, facing: float) -> float:
    """Degrees between the segment lower->upper and image vertical (y points down).

    ``facing`` is +1 when forward is +x, -1 when forward is -x. Positive means ``upper`` lies
    forward of ``lower``.
    """
    dx = (upper[0] - lower[0]) * facing
    up = lower[1] - upper[1]
    return math.degrees(math.atan2(dx, up))


def world_flexion(lower: Landmark, upper: Landmark) -> float:
    """Degrees of the world-space segment lower->upper from vertical, forward = towards camera."""
    toward_camera = -(upper.z - lower.z)
    up = -(upper.y - lower.y)
    return math.degrees(math.atan2(toward_camera, up))


def _pair(sample: PoseSample, left: str, right: str, min_conf: float) -> tuple[Point | None, list[str]]:
    """Midpoint of a left/right pair in pixels, or one side if only one is trusted."""
    a, b = sample.get(left, min_conf), sample.get(right, min_conf)
    missing = [n for n, p in ((left, a), (right, b)) if p is None]
    if a is not None and b is not None:
        return _mid(sample.pixel(a), sample.pixel(b)), missing
    one = a or b
    return (sample.pixel(one) if one is not None else None), missing


def _hips_trusted(sample: PoseSample, min_conf: float) -> bool:
    for name in ("left_hip", "right_hip"):
        p = sample.get(name, min_conf)
        if p is None or not (-0.02 <= p.y <= 1.02 and -0.02 <= p.x <= 1.02):
            return False
    return True


def facing_direction(sample: PoseSample, min_conf: float = MIN_CONFIDENCE) -> float | None:
    """+1 if the face points to +x in the image, -1 if to -x, None if it cannot be told."""
    nose = sample.get("nose", min_conf)
    if nose is None:
        return None
    ears, _ = _pair(sample, "left_ear", "right_ear", min_conf)
    ref = ears
    if ref is None:
        ref, _ = _pair(sample, "left_shoulder", "right_shoulder", min_conf)
    if ref is None:
        return None
    dx = sample.pixel(nose)[0] - ref[0]
    return 1.0 if dx >= 0 else -1.0


# The head's left-right pairs, best first: their midpoints are head references, their spans the
# head's width.
HEAD_PAIRS = {"ears": ("left_ear", "right_ear"), "eyes": ("left_eye", "right_eye")}


def head_points(sample: PoseSample, min_conf: float = MIN_CONFIDENCE) -> list[tuple[str, Point]]:
    """Every head reference seen, best first: ear midpoint, eye midpoint, nose (pairs need both)."""
    refs: list[tuple[str, Point]] = []
    for name, (left, right) in HEAD_PAIRS.items():
        a, b = sample.get(left, min_conf), sample.get(right, min_conf)
        if a is not None and b is not None:
            refs.append((name, _mid(sample.pixel(a), sample.pixel(b))))
    nose = sample.get("nose", min_conf)
    if nose is not None:
        refs.append(("nose", sample.pixel(nose)))
    return refs


def head_point(sample: PoseSample, min_conf: float = MIN_CONFIDENCE) -> tuple[Point | None, str | None]:
    """The best head reference (see :func:`head_points`) and its name, or ``(None, None)``."""
    refs = head_points(sample, min_conf)
    return (refs[0][1], refs[0][0]) if refs else (None, None)


def infer_view(sample: PoseSample, min_conf: float = MIN_CONFIDENCE) -> View:
    """Side or front from how wide the shoulders look against the body's vertical extent."""
    ls, rs = sample.get("left_shoulder", min_conf), sample.get("right_shoulder", min_conf)
    if ls is None or rs is None:
        # One shoulder hidden behind the other is itself a sign of a profile view.
        one = ls or rs
        if one is not None and facing_direction(sample, min_conf) is not None:
            return View.SIDE
        return View.UNKNOWN
    a, b = sample.pixel(ls), sample.pixel(rs)
    width = abs(a[0] - b[0])
    shoulders = _mid(a, b)
    head, _ = head_point(sample, min_conf)
    if _hips_trusted(sample, min_conf):
        hips, _ = _pair(sample, "left_hip", "right_hip", min_conf)
        assert hips is not None
        vertical = abs(hips[1] - shoulders[1]) / 2.0
    elif head is not None:
        vertical = abs(shoulders[1] - head[1])
    else:
        return View.UNKNOWN
    if vertical <= 1e-9:
        return View.UNKNOWN
    ratio = width / vertical
    if ratio < SIDE_MAX_RATIO:
        return View.SIDE
    if ratio > FRONT_MIN_RATIO:
        return View.FRONT
    return View.UNKNOWN


def measure(sample: PoseSample, min_conf: float = MIN_CONFIDENCE) -> Geometry:
    """All the geometry slumpwatch reads from one sample."""
    uncertain: list[str] = []
    view = infer_view(sample, min_conf)
    shoulders, miss = _pair(sample, "left_shoulder", "right_shoulder", min_conf)
    uncertain += miss
    head, head_name = head_point(sample, min_conf)
    if head is None:
        uncertain.append("head")

    ls, rs = sample.get("left_shoulder", min_conf), sample.get("right_shoulder", min_conf)
    width = None
    if ls is not None and rs is not None:
        a, b = sample.pixel(ls), sample.pixel(rs)
        width = math.hypot(a[0] - b[0], a[1] - b[1])

    facing = facing_direction(sample, min_conf)
    trunk = neck = None
    source = None
    hips_ok = _hips_trusted(sample, min_conf)
    if not hips_ok:
        uncertain.append("hips")

    if view is View.SIDE and facing is not None and shoulders is not None:
        if hips_ok:
            hips, _ = _pair(sample, "left_hip", "right_hip", min_conf)
            assert hips is not None
            trunk, source = angle_from_vertical(hips, shoulders, facing), "image"
        ears, _ = _pair(sample, "left_ear", "right_ear", min_conf)
        if ears is not None:
            neck = angle_from_vertical(shoulders, ears, facing)
    if trunk is None and sample.world is not None and view is not View.SIDE:
        w = sample.world
        names = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
        if all(n in w for n in names) and ls is not None and rs is not None:
            sh = _world_mid(w["left_shoulder"], w["right_shoulder"])
            hp = _world_mid(w["left_hip"], w["right_hip"])
            trunk, source = world_flexion(hp, sh), "world"
            if "left_ear" in w and "right_ear" in w and neck is None:
                neck = world_flexion(sh, _world_mid(w["left_ear"], w["right_ear"]))

    neck_ratio = None
    if head is not None and shoulders is not None and width and width > 1e-9:
        neck_ratio = (shoulders[1] - head[1]) / width

    return Geometry(
        view=view,
        trunk_deg=trunk,
        neck_deg=neck,
        trunk_source=source,
        shoulder_width=width,
        shoulder_y=None if shoulders is None else shoulders[1],
        head_y=None if head is None else head[1],
        head_point=head_name,
        neck_ratio=neck_ratio,
        uncertain=tuple(dict.fromkeys(uncertain)),
    )


def _world_mid(a: Landmark, b: Landmark) -> Landmark:
    return Landmark((a.x + b.x) / 2, (a.y + b.y) / 2, (a.z + b.z) / 2)


# A person at a desk fills a good part of the frame; smaller skeletons are icons, posters or
# people far behind. The extent is the largest distance between trusted upper-body landmarks,
# as a fraction of the image's smaller side.
MIN_PERSON_EXTENT = 0.15
MIN_HEAD_SHOULDER = 0.05  # head point to shoulder midpoint, same units
_UPPER_BODY = ("nose", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_hip", "right_hip")


def person_problem(sample: PoseSample, min_conf: float = MIN_CONFIDENCE) -> str | None:
    """Why this detection is not a usable person at the desk, or None if it is."""
    head_px, _ = head_point(sample, min_conf)  # ears, eyes or nose: other tools omit some
    shoulders = [sample.get(n, min_conf) for n in ("left_shoulder", "right_shoulder")]
    if head_px is None or all(s is None for s in shoulders):
        return "head or shoulders not visible"
    w, h = sample.image_size or (1, 1)
    if not (0.0 <= head_px[1] / h <= 1.0 and 0.0 <= head_px[0] / w <= 1.0):
        return "head out of frame"
    pts = [sample.pixel(p) for n in _UPPER_BODY if (p := sample.get(n, min_conf)) is not None]
    extent = max(math.hypot(a[0] - b[0], a[1] - b[1]) for a in pts for b in pts)
    side = min(sample.image_size) if sample.image_size else 1.0
    if extent / side < MIN_PERSON_EXTENT:
        return "too small to be a person at the desk"
    seen = [sample.pixel(p) for p in shoulders if p is not None]
    mid = (sum(p[0] for p in seen) / len(seen), sum(p[1] for p in seen) / len(seen))
    if math.hypot(head_px[0] - mid[0], head_px[1] - mid[1]) / side < MIN_HEAD_SHOULDER:
        return "too small to be a person at the desk"
    return None
