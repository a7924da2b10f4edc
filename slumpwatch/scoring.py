"""Slump scoring: from one pose sample to trunk and neck flexion relative to upright.

Pure: no I/O, no clock. Units are degrees; forward is positive, leaning back negative.

**Side view** (hips in frame): trunk flexion is the hip-to-shoulder line's angle from vertical
(:mod:`slumpwatch.geometry`), neck flexion the shoulder-to-ear line's. Calibrated, the baseline
mean is subtracted. Leaning back against the backrest gives a *negative* trunk angle, so it is
never a slump.

**Front view** (the usual laptop camera; hips hidden) uses image landmarks only (nose, eyes,
ears, shoulders), so it works on recordings without world coordinates and on mirrored images:

* *head drop*: how far the head (ear midpoint, else eyes, else nose) sank in the image since
  calibration, in baseline shoulder widths ``d``. If the body pivots forward at the hips by
  ``a`` degrees, a head ``H`` shoulder widths above the hips sinks by ``H (1 - cos a)``, so
  ``a = acos(1 - d / H)`` with ``H = HEAD_HEIGHT_SW`` (about 1.8 for adults). Sliding down the
  chair also sinks the head and reads as flexion, which is what it is for the spine.
* *neck shortening*: the vertical head-to-shoulder distance over shoulder width, ``r``. Rounded
  shoulders and a forward head shorten it; ``a = acos(r / r0)`` against the baseline ``r0``
  (uncalibrated: a population default, much less certain).

The front estimate is the mean of the available ones. Its limits: it needs a baseline for the
head drop; a camera moved after calibration shifts the head position (the monitor checks this
and asks to recalibrate); a deliberate head tilt reads partly as flexion; leaning back straight
sinks the head by ``H (1 - cos a)`` too, but does not shorten the neck, so it scores about half.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from .geometry import MIN_CONFIDENCE, Geometry, View, head_points, measure
from .landmarks import PoseSample

HEAD_HEIGHT_SW = 1.8
# Population neck ratio (vertical head-to-shoulder distance / shoulder width) for a person sitting
# upright facing a camera near eye height, per head reference.
DEFAULT_NECK_RATIO = {"ears": 0.58, "eyes": 0.66, "nose": 0.52}

# Uncalibrated band from ergonomics: ISO 11226 accepts trunk inclination up to 20 degrees for
# sustained sitting.
UNCALIBRATED_TRUNK_DEG = 20.0


class Sensitivity(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


# Degrees of trunk flexion beyond the calibrated upright that count as slumped, and how many
# baseline spreads (standard deviations, in degrees) the threshold keeps at least.
SENSITIVITY_DEG = {Sensitivity.LOW: 20.0, Sensitivity.MEDIUM: 15.0, Sensitivity.HIGH: 10.0}
SPREAD_FACTOR = 2.5
HYSTERESIS_FRACTION = 0.7  # leave "slumped" only below 70% of the entry threshold


@dataclass(frozen=True)
class Stat:
    mean: float
    std: float
    n: int

    @staticmethod
    def of(values: Iterable[float]) -> Stat:
        vals = list(values)
        if not vals:
            raise ValueError("no values")
        mean = sum(vals) / len(vals)
        var = sum((v - mean) ** 2 for v in vals) / max(len(vals) - 1, 1)
        return Stat(mean, math.sqrt(var), len(vals))


@dataclass(frozen=True)
class Baseline:
    """Upright statistics for one person and camera. Keys of ``signals`` are feature names."""

    view: View
    signals: Mapping[str, Stat]
    image_size: tuple[int, int] | None = None
    trunk_spread_deg: float = 0.0


@dataclass(frozen=True)
class Score:
    """One sample scored. ``trunk_deg``/``neck_deg`` are relative to upright when calibrated."""

    view: View
    trunk_deg: float | None
    neck_deg: float | None
    confidence: float
    calibrated: bool
    evidence: tuple[str, ...] = field(default_factory=tuple)
    uncertain: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Thresholds:
    """Degrees of trunk flexion that enter and leave the slumped verdict."""

    enter_deg: float
    exit_deg: float

    @staticmethod
    def for_baseline(baseline: Baseline | None, sensitivity: Sensitivity = Sensitivity.MEDIUM) -> Thresholds:
        if baseline is None:
            enter = UNCALIBRATED_TRUNK_DEG
        else:
            enter = max(SENSITIVITY_DEG[sensitivity], SPREAD_FACTOR * baseline.trunk_spread_deg)
        return Thresholds(enter, enter * HYSTERESIS_FRACTION)


def features(sample: PoseSample, min_conf: float = MIN_CONFIDENCE) -> dict[str, float]:
    """Every signal a baseline can hold, from one sample (missing ones left out)."""
    return _features(sample, measure(sample, min_conf), min_conf)


def _features(sample: PoseSample, geo: Geometry, min_conf: float) -> dict[str, float]:
    out: dict[str, float] = {}
    if geo.view is View.SIDE:
        if geo.trunk_deg is not None and geo.trunk_source == "image":
            out["trunk_deg"] = geo.trunk_deg
        if geo.neck_deg is not None:
            out["neck_deg"] = geo.neck_deg
        return out
    if geo.shoulder_width is None or geo.shoulder_y is None or geo.shoulder_width <= 0:
        return out
    out["shoulder_width"] = geo.shoulder_width
    out["shoulder_y"] = geo.shoulder_y
    for name, (_, y) in head_points(sample, min_conf):
        out[f"head_y@{name}"] = y
        out[f"neck_ratio@{name}"] = (geo.shoulder_y - y) / geo.shoulder_width
    return out


def _signed_acos(ratio: float) -> float:
    """Degrees of ``acos(ratio)`` for ratio <= 1, negative mirror image for ratio > 1."""
    if ratio <= 1.0:
        return math.degrees(math.acos(max(ratio, 0.0)))
    return -math.degrees(math.acos(min(1.0 / ratio, 1.0)))


def drop_to_deg(drop_sw: float) -> float:
    """Head drop in shoulder widths -> forward pivot in degrees (negative for a rise)."""
    frac = min(abs(drop_sw) / HEAD_HEIGHT_SW, 1.0)
    deg = math.degrees(math.acos(1.0 - frac))
    return deg if drop_sw >= 0 else -deg


def score(sample: PoseSample, baseline: Baseline | None = None, min_conf: float = MIN_CONFIDENCE) -> Score:
    """Scores one sample against ``baseline`` (None: absolute, uncalibrated)."""
    geo = measure(sample, min_conf)
    feats = _features(sample, geo, min_conf)
    view = geo.view
    if baseline is not None and view is View.UNKNOWN:
        view = baseline.view
    conf = _confidence(sample)
    if view is View.SIDE or (view is View.UNKNOWN and "trunk_deg" in feats):
        return _score_side(feats, baseline, conf, geo.uncertain)
    return _score_front(feats, baseline, conf, geo.uncertain)


def _score_side(
    feats: Mapping[str, float], baseline: Baseline | None, conf: float, uncertain: tuple[str, ...]
) -> Score:
    sig = baseline.signals if baseline is not None and baseline.view is View.SIDE else None
    trunk = feats.get("trunk_deg")
    neck = feats.get("neck_deg")
    evidence = []
    if trunk is not None:
        evidence.append("hip-shoulder line (side)")
        if sig and "trunk_deg" in sig:
            trunk -= sig["trunk_deg"].mean
    if neck is not None:
        evidence.append("shoulder-ear line (side)")
        if sig and "neck_deg" in sig:
            neck -= sig["neck_deg"].mean
    return Score(
        View.SIDE,
        trunk,
        neck,
        conf if trunk is not None else 0.0,
        sig is not None,
        tuple(evidence),
        uncertain,
    )


def _score_front(
    feats: Mapping[str, float], baseline: Baseline | None, conf: float, uncertain: tuple[str, ...]
) -> Score:
    sig = baseline.signals if baseline is not None and baseline.view is View.FRONT else None
    ref = next(
        (
            r
            for r in ("ears", "eyes", "nose")
            if f"neck_ratio@{r}" in feats and (not sig or f"neck_ratio@{r}" in sig)
        ),
        None,
    )
    if ref is None:
        return Score(View.FRONT, None, None, 0.0, sig is not None, (), uncertain)
    ratio = feats[f"neck_ratio@{ref}"]
    evidence = [f"neck ratio ({ref})"]
    if sig:
        r0 = sig[f"neck_ratio@{ref}"].mean
        sw0 = sig["shoulder_width"].mean
        drop = (feats[f"head_y@{ref}"] - sig[f"head_y@{ref}"].mean) / sw0
        drop_deg = drop_to_deg(drop)
        neck = _signed_acos(ratio / r0) if r0 > 0 else 0.0
        trunk = (drop_deg + neck) / 2.0
        evidence.insert(0, f"head drop ({ref})")
        return Score(View.FRONT, trunk, neck, conf, True, tuple(evidence), uncertain)
    neck = _signed_acos(ratio / DEFAULT_NECK_RATIO[ref])
    # Without a baseline only the neck shortening is measurable; it stands in for the trunk, with
    # the lower confidence that a population default deserves.
    return Score(View.FRONT, neck, neck, conf * 0.5, False, tuple(evidence), uncertain)


def _confidence(sample: PoseSample) -> float:
    """The weakest of the shoulders and the best-seen head point."""
    shoulders = [
        sample.landmarks[n].confidence for n in ("left_shoulder", "right_shoulder") if n in sample.landmarks
    ]
    heads = [
        sample.landmarks[n].confidence
        for n in ("nose", "left_eye", "right_eye", "left_ear", "right_ear")
        if n in sample.landmarks
    ]
    if len(shoulders) < 2 or not heads:
        return 0.0
    return min(*shoulders, max(heads))


def build_baseline(samples: Iterable[PoseSample], min_conf: float = MIN_CONFIDENCE) -> Baseline:
    """Upright statistics from samples of a person sitting upright. Raises ValueError if unusable."""
    samples = list(samples)
    geos = [measure(s, min_conf) for s in samples]
    rows = [_features(s, g, min_conf) for s, g in zip(samples, geos, strict=True)]
    views = [g.view for g in geos]
    known = [v for v in views if v is not View.UNKNOWN]
    if not known:
        raise ValueError("no usable pose in the calibration frames")
    view = max(set(known), key=known.count)
    rows = [r for r, v in zip(rows, views, strict=True) if v is view]
    keys = set.intersection(*(set(r) for r in rows)) if rows else set()
    if not keys:
        raise ValueError("the calibration frames share no measurable signal")
    signals = {k: Stat.of(r[k] for r in rows) for k in sorted(keys)}
    sizes = {s.image_size for s in samples if s.image_size}
    provisional = Baseline(view, signals, next(iter(sizes)) if len(sizes) == 1 else None)
    # The spread of the calibration frames themselves, scored against the baseline, in degrees.
    trunks = [score(s, provisional, min_conf).trunk_deg for s in samples]
    vals = [t for t in trunks if t is not None]
    spread = math.sqrt(sum(t * t for t in vals) / len(vals)) if vals else 0.0
    return Baseline(view, signals, provisional.image_size, spread)


def is_slumped(s: Score, thresholds: Thresholds, currently_slumped: bool = False) -> bool | None:
    """Frame verdict with angle hysteresis; None when the trunk could not be measured."""
    if s.trunk_deg is None:
        return None
    limit = thresholds.exit_deg if currently_slumped else thresholds.enter_deg
    return s.trunk_deg >= limit


__all__ = [
    "Baseline",
    "Score",
    "Sensitivity",
    "Stat",
    "Thresholds",
    "build_baseline",
    "drop_to_deg",
    "features",
    "is_slumped",
    "score",
]
