"""Slump scoring: from one pose sample to a slump index and flexion angles relative to upright.

Pure: no I/O, no clock. Angles are degrees, forward positive, leaning back negative.

The verdict comes from the **slump index**, a dimensionless number: 1.0 is the medium-sensitivity
threshold. Each measure is divided by its own threshold, so units cancel and one rule covers every
view. The degrees are what the user is shown: measured in the side view; in the front view, which
cannot see the trunk, the index on the side view's scale (:func:`index_to_deg`).

**Side view** (hips in frame): trunk flexion is the hip-to-shoulder line's angle from vertical
(:mod:`slumpwatch.geometry`); calibrated, the baseline median is subtracted. The index is that angle
over ``max(15 degrees, 2.5 x the calibration's robust spread)``; uncalibrated, over ISO 11226's 20
degrees. Leaning back gives a negative angle, so it is never a slump.

**Front view** (the laptop camera; hips hidden) uses image landmarks only (nose, eyes, ears,
shoulders). Every measure is a change of a ratio of lengths against the same ratio when upright,
so it does not depend on the camera's resolution, whether the image size is known, the distance to
the camera, or a mirror image. (The shoulder line's length mixes the two image axes, so a stretched
image changes a tilted line's length a little; the tests hold the verdicts with and without an
image size to within 1% of frames.) Against the calibrated baseline (medians of the upright frames):

* *neck shortening* ``n = 1 - r / r0``: ``r`` is the vertical head-to-shoulder distance over the
  length of the shoulder line (its length, not its horizontal extent: one dropped shoulder tilts
  the line without making the body smaller). A forward head, rounded shoulders and a flexed upper
  back shorten it; distance to the camera cancels out. Leaning back also shortens it a little, by
  perspective, while the shoulders recede: so half of any shrinking of the shoulder width
  ``w = sw / sw0 - 1`` is added (``n + 0.5 min(w, 0)``), which keeps a reclined person from reading
  as slumped.
* *head drop* ``d``: how far the head sank in the image, in baseline neck lengths (the vertical
  head-to-shoulder distance when upright). Sinking down in the chair shows here first.
* *head forward* ``f``: ``h`` is the head's width (ear to ear, or eye to eye) over the shoulder
  width. A head pushed forward, or a trunk bent towards the screen, bring the head nearer the
  camera than the shoulders, and perspective makes it look bigger beside them (10 cm nearer at
  60 cm is a fifth bigger). ``f`` is the smaller of ``h / h0 - 1`` and the head's own growth in the
  image: moving the whole body nearer enlarges head and shoulders alike, a torso turned away
  narrows the shoulders alone, and turning or tilting the head only narrows it; none of these
  counts. Leaning back takes the head further away than the shoulders: smaller, never a slump.

Each measure's noise is its spread over the calibration frames on the slump side (1.4826 x the
median absolute deviation, or the upper tail's spread if wider: :func:`slump_side_sigma`), and its
threshold is ``max(effect floor, 2.5 x noise)``, capped at 1.5 x the floor: the floors (a 12.5%
shorter neck, a drop of 0.35 neck lengths, a head a fifth bigger) are the smallest changes that
mean a slump; a jittery calibration can raise a threshold by half, never multiply it. The index is
``neck / T_neck + max(drop, 0) / T_drop + max(forward / T_forward - 0.5, 0) / 0.5``: two
half-strength signs add up to one slump. The head's width is the noisiest measure (ears are often
guessed under hair, and a turned head changes it), and a measure clipped at zero adds its positive
jitter to every upright frame: so head forward counts only from half its threshold on. The
constants were picked by leaving one session out at a time (``tools/choose_constants.py``; the
README's "Measured"). With several head references each measure is the mean over those both the
frame and the baseline have.

Uncalibrated, the front view can only compare the neck ratio with a population default, which is
much less certain (its confidence is halved).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from .geometry import HEAD_PAIRS, MIN_CONFIDENCE, Geometry, View, head_points, measure
from .landmarks import PoseSample

# Population neck ratio (vertical head-to-shoulder distance / shoulder width) for a person sitting
# upright facing a camera near eye height, per head reference, in square pixels.
DEFAULT_NECK_RATIO = {"ears": 0.58, "eyes": 0.66, "nose": 0.52}
HEAD_REFS = ("ears", "eyes", "nose")

# Side view: degrees of trunk flexion at index 1.0, calibrated and not (ISO 11226: 20 degrees).
SIDE_DEG = 15.0
UNCALIBRATED_TRUNK_DEG = 20.0
SIDE_SPREAD_FACTOR = 2.5
# Front view, calibrated: effect floors and the noise factor (see the module docstring).
NECK_FLOOR = 0.125
DROP_FLOOR = 0.35
FORWARD_FLOOR = 0.2
FORWARD_DEAD = 0.5  # head forward counts from half its threshold: below, it is ear and eye jitter
NOISE_FACTOR = 2.5
NOISE_CAP = 1.5  # noise raises a front threshold by at most half: beyond that the estimate is suspect
LEAN_BACK_WEIGHT = 0.5
# Front view, uncalibrated: neck shortening against the population default at index 1.0.
UNCALIBRATED_NECK = 0.06
MAD_TO_SIGMA = 1.4826
SIGNAL_QUORUM = 0.8  # a baseline keeps the signals that at least 80% of its frames have


@dataclass(frozen=True)
class FrontConstants:
    """The calibrated front view's constants (see the module docstring).

    One value, so that ``tools/choose_constants.py`` can try others without patching the module.
    """

    neck_floor: float = NECK_FLOOR
    drop_floor: float = DROP_FLOOR
    forward_floor: float = FORWARD_FLOOR
    forward_dead: float = FORWARD_DEAD
    noise_factor: float = NOISE_FACTOR
    noise_cap: float = NOISE_CAP
    lean_back: float = LEAN_BACK_WEIGHT


FRONT = FrontConstants()


class Sensitivity(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


# The slump index that enters "slumped" at each sensitivity (side view: 10, 15, 20 degrees).
SENSITIVITY_INDEX = {Sensitivity.HIGH: 2.0 / 3.0, Sensitivity.MEDIUM: 1.0, Sensitivity.LOW: 4.0 / 3.0}
HYSTERESIS_FRACTION = 0.7  # leave "slumped" only below 70% of the entry threshold


@dataclass(frozen=True)
class Stat:
    """Statistics of one signal over the calibration frames: mean and std, median and robust sigma."""

    mean: float
    std: float
    n: int
    median: float
    mad: float  # 1.4826 x median absolute deviation: the standard deviation if the noise is normal

    @staticmethod
    def of(values: Iterable[float]) -> Stat:
        vals = list(values)
        if not vals:
            raise ValueError("no values")
        mean = sum(vals) / len(vals)
        var = sum((v - mean) ** 2 for v in vals) / max(len(vals) - 1, 1)
        return Stat(mean, math.sqrt(var), len(vals), statistics.median(vals), robust_sigma(vals))


def robust_sigma(values: Sequence[float]) -> float:
    """1.4826 x the median absolute deviation from the median (0 for fewer than 2 values)."""
    if len(values) < 2:
        return 0.0
    med = statistics.median(values)
    return MAD_TO_SIGMA * statistics.median(abs(v - med) for v in values)


@dataclass(frozen=True)
class Baseline:
    """Upright statistics for one person and camera.

    ``signals`` holds per-feature statistics (see :func:`features`); ``noise`` the robust spread of
    each slump measure over the calibration frames, in that measure's units: ``trunk_deg`` (side),
    ``neck`` and ``drop`` (front).
    """

    view: View
    signals: Mapping[str, Stat]
    image_size: tuple[int, int] | None = None
    noise: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Score:
    """One sample scored. ``index`` >= 1.0 is a slump at medium sensitivity; None if unmeasurable.

    ``trunk_deg``/``neck_deg`` are shown to the user (relative to upright when calibrated);
    ``measures`` holds the front view's neck shortening, head drop and shoulder-width change.
    """

    view: View
    trunk_deg: float | None
    neck_deg: float | None
    confidence: float
    calibrated: bool
    evidence: tuple[str, ...] = field(default_factory=tuple)
    uncertain: tuple[str, ...] = field(default_factory=tuple)
    index: float | None = None
    measures: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Thresholds:
    """Slump index that enters (``enter``) and leaves (``exit``) the slumped verdict."""

    enter: float
    exit: float

    @staticmethod
    def for_sensitivity(sensitivity: Sensitivity = Sensitivity.MEDIUM) -> Thresholds:
        enter = SENSITIVITY_INDEX[sensitivity]
        return Thresholds(enter, enter * HYSTERESIS_FRACTION)


def features(sample: PoseSample, min_conf: float = MIN_CONFIDENCE) -> dict[str, float]:
    """Every signal a baseline can hold, from one sample (missing ones left out)."""
    geo = measure(sample, min_conf)
    return _features(sample, geo, min_conf, geo.view)


def _features(sample: PoseSample, geo: Geometry, min_conf: float, view: View) -> dict[str, float]:
    """The signals of ``view`` (side: angles; otherwise the front's head and shoulder positions)."""
    out: dict[str, float] = {}
    if view is View.SIDE:
        if geo.trunk_deg is not None and geo.trunk_source == "image":
            out["trunk_deg"] = geo.trunk_deg
        if geo.neck_deg is not None:
            out["neck_deg"] = geo.neck_deg
        return out
    width = _shoulder_span(sample, min_conf)
    if width is None or geo.shoulder_y is None:
        return out
    ls, rs = sample.get("left_shoulder", min_conf), sample.get("right_shoulder", min_conf)
    assert ls is not None and rs is not None  # _shoulder_span found both
    out["shoulder_width"] = width
    out["shoulder_x"] = (sample.pixel(ls)[0] + sample.pixel(rs)[0]) / 2.0
    out["shoulder_y"] = geo.shoulder_y
    for name, (_, y) in head_points(sample, min_conf):
        out[f"head_y@{name}"] = y
        out[f"neck_ratio@{name}"] = (geo.shoulder_y - y) / width
    for name, (left, right) in HEAD_PAIRS.items():
        a, b = sample.get(left, min_conf), sample.get(right, min_conf)
        if a is not None and b is not None:
            out[f"head_width@{name}"] = abs(sample.pixel(a)[0] - sample.pixel(b)[0]) / width
    return out


def _shoulder_span(sample: PoseSample, min_conf: float) -> float | None:
    """Length of the shoulder line (pixels, or normalised units without a size).

    The line's length, not its horizontal extent: one shoulder dropped (a slump to one side,
    leaning on an elbow) tilts the line and shortens its horizontal extent by the cosine, which
    would lengthen the neck ratio and hide the slump; the length stays the body's scale.
    """
    ls, rs = sample.get("left_shoulder", min_conf), sample.get("right_shoulder", min_conf)
    if ls is None or rs is None:
        return None
    (ax, ay), (bx, by) = sample.pixel(ls), sample.pixel(rs)
    span = math.hypot(ax - bx, ay - by)
    return span if span > 1e-9 else None


def _signed_acos(ratio: float) -> float:
    """Degrees of ``acos(ratio)`` for ratio <= 1, negative mirror image for ratio > 1."""
    if ratio <= 1.0:
        return math.degrees(math.acos(max(ratio, 0.0)))
    return -math.degrees(math.acos(min(1.0 / ratio, 1.0)))


def index_to_deg(index: float) -> float:
    """Degrees shown for a front-view slump index: the angle whose tangent is ``index`` times that
    of the side view's 15 degrees (index 1.0, a slump at medium sensitivity, is 15 degrees there).

    The front camera cannot measure the trunk's angle. Near upright this is the side view's scale
    (jitter of 0.2 shows 3 degrees; the old geometric guess from the head's drop and an ``acos``
    of the neck ratio showed 10 to 25 for upright frames), and it stays an angle for deep slumps.
    """
    return math.degrees(math.atan(index * math.tan(math.radians(SIDE_DEG))))


def score(sample: PoseSample, baseline: Baseline | None = None, min_conf: float = MIN_CONFIDENCE) -> Score:
    """Scores one sample against ``baseline`` (None: absolute, uncalibrated).

    Calibrated, the frame is read in the baseline's view: the profile was made for this camera, and
    a frame that looks different (a turned head, or shoulders that seem narrow in a stretched
    image) is still the same set-up. Uncalibrated, the frame's own view decides.
    """
    geo = measure(sample, min_conf)
    view = baseline.view if baseline is not None else geo.view
    if view is View.UNKNOWN and geo.trunk_source == "image":
        view = View.SIDE
    feats = _features(sample, geo, min_conf, view)
    conf = _confidence(sample)
    if view is View.SIDE:
        return _score_side(feats, baseline, conf, geo.uncertain)
    return _score_front(feats, baseline, conf, geo.uncertain)


def side_scale(baseline: Baseline | None) -> float:
    """Degrees of side-view trunk flexion at slump index 1.0."""
    if baseline is None or baseline.view is not View.SIDE:
        return UNCALIBRATED_TRUNK_DEG
    return max(SIDE_DEG, SIDE_SPREAD_FACTOR * baseline.noise.get("trunk_deg", 0.0))


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
            trunk -= sig["trunk_deg"].median
    if neck is not None:
        evidence.append("shoulder-ear line (side)")
        if sig and "neck_deg" in sig:
            neck -= sig["neck_deg"].median
    index = None if trunk is None else trunk / side_scale(baseline if sig else None)
    return Score(
        View.SIDE,
        trunk,
        neck,
        conf if trunk is not None else 0.0,
        sig is not None,
        tuple(evidence),
        uncertain,
        index,
    )


def front_measures(
    feats: Mapping[str, float], signals: Mapping[str, Stat], lean_back: float = LEAN_BACK_WEIGHT
) -> dict[str, float] | None:
    """Neck shortening, head drop, head forward and shoulder-width change of one frame against a
    front baseline.

    None when the frame and the baseline share no head reference. ``forward`` is 0 when they share
    no head width (no pair of ears or eyes).
    """
    refs = [r for r in HEAD_REFS if f"head_y@{r}" in feats and f"neck_ratio@{r}" in signals]
    if not refs or "shoulder_width" not in feats or "shoulder_width" not in signals:
        return None
    necks, drops = [], []
    for r in refs:
        r0 = signals[f"neck_ratio@{r}"].median
        sw0 = signals["shoulder_width"].median
        length0 = r0 * sw0  # upright vertical head-to-shoulder distance
        if r0 <= 0 or length0 <= 0:
            continue
        necks.append(1.0 - feats[f"neck_ratio@{r}"] / r0)
        drops.append((feats[f"head_y@{r}"] - signals[f"head_y@{r}"].median) / length0)
    if not necks:
        return None
    width = feats["shoulder_width"] / signals["shoulder_width"].median - 1.0
    neck = sum(necks) / len(necks)
    relative = [
        feats[k] / signals[k].median - 1.0
        for r in HEAD_PAIRS
        if (k := f"head_width@{r}") in feats and k in signals and signals[k].median > 0
    ]
    # The head came nearer: bigger beside the shoulders, and bigger in the image. A torso turned
    # away narrows the shoulders alone, and the whole body coming nearer enlarges both alike.
    rel = sum(relative) / len(relative) if relative else 0.0
    forward = min(rel, (1.0 + rel) * (1.0 + width) - 1.0)
    return {
        "neck": neck + lean_back * min(width, 0.0),
        "drop": sum(drops) / len(drops),
        "forward": forward,
        "width": width,
        "neck_raw": neck,
        "refs": float(len(necks)),
    }


def front_index(m: Mapping[str, float], noise: Mapping[str, float], c: FrontConstants = FRONT) -> float:
    """The slump index of front measures, with thresholds raised by the calibration's noise."""
    t_neck = front_threshold(c.neck_floor, noise.get("neck", 0.0), c)
    t_drop = front_threshold(c.drop_floor, noise.get("drop", 0.0), c)
    t_forward = front_threshold(c.forward_floor, noise.get("forward", 0.0), c)
    return (
        m["neck"] / t_neck
        + max(m["drop"], 0.0) / t_drop
        + max(m.get("forward", 0.0) / t_forward - c.forward_dead, 0.0) / (1.0 - c.forward_dead)
    )


def front_threshold(floor: float, noise: float, c: FrontConstants = FRONT) -> float:
    """``floor`` raised to 2.5 noise sigmas, but never past 1.5 x the floor.

    The noise comes from a few seconds of calibration frames, itself an estimate: a jittery
    calibration (landmark noise, a fidget) must not multiply the threshold and silence the monitor.
    """
    return floor * min(max(c.noise_factor * noise / floor, 1.0), c.noise_cap)


def _score_front(
    feats: Mapping[str, float], baseline: Baseline | None, conf: float, uncertain: tuple[str, ...]
) -> Score:
    sig = baseline.signals if baseline is not None and baseline.view is View.FRONT else None
    if sig:
        assert baseline is not None
        m = front_measures(feats, sig)
        if m is None:
            return Score(View.FRONT, None, None, 0.0, True, (), (*uncertain, "head"))
        index = front_index(m, baseline.noise)
        # Degrees shown to the user: the neck's shortening as a forward tilt of the head over the
        # shoulders, and the trunk as index_to_deg(index). The verdict uses the index, not these.
        neck_deg = _signed_acos(1.0 - m["neck_raw"])
        trunk_deg = index_to_deg(index)
        return Score(
            View.FRONT,
            trunk_deg,
            neck_deg,
            conf,
            True,
            ("neck shortening", "head drop", "head forward"),
            uncertain,
            index,
            m,
        )
    seen = next((r for r in HEAD_REFS if f"neck_ratio@{r}" in feats), None)
    if seen is None:
        return Score(View.FRONT, None, None, 0.0, False, (), uncertain)
    ref = seen
    shortening = 1.0 - feats[f"neck_ratio@{ref}"] / DEFAULT_NECK_RATIO[ref]
    neck = _signed_acos(1.0 - shortening)
    # Without a baseline only the neck shortening is measurable, against a population default,
    # with the lower confidence that deserves (degrees: the neck's shortening as a forward tilt).
    return Score(
        View.FRONT,
        neck,
        neck,
        conf * 0.5,
        False,
        (f"neck ratio ({ref}) vs population",),
        uncertain,
        shortening / UNCALIBRATED_NECK,
        {"neck": shortening},
    )


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
    known: list[View] = [g.view for g in geos if g.view is not View.UNKNOWN]
    # The most common view whose signals at least half of the frames have (an oblique camera can
    # look "side" without showing the hips); every frame with them counts, whatever its own view.
    # The front view comes last, and also when no frame's view could be told: a recording without
    # an image size (normalised units squeeze a wide image's shoulders) or a close camera can make
    # every frame's shoulders look neither wide nor narrow, and the front measures need no view.
    rows: list[dict[str, float]] = []
    view: View = max(set(known), key=known.count) if known else View.FRONT
    candidates: list[View] = sorted(set(known), key=known.count, reverse=True)
    for candidate in [*candidates, *([View.FRONT] if View.FRONT not in candidates else [])]:
        needed = "trunk_deg" if candidate is View.SIDE else "shoulder_width"
        found = [
            r
            for s, g in zip(samples, geos, strict=True)
            if needed in (r := _features(s, g, min_conf, candidate))
        ]
        if len(found) * 2 >= len(samples):
            view, rows = candidate, found
            break
    sizes = {s.image_size for s in samples if s.image_size}
    return baseline_from_features(view, rows, next(iter(sizes)) if len(sizes) == 1 else None)


def baseline_from_features(
    view: View, rows: Sequence[Mapping[str, float]], image_size: tuple[int, int] | None = None
) -> Baseline:
    """The baseline of feature rows (see :func:`features`) of one view. Raises ValueError if unusable."""
    # A signal counts when most frames have it (a head point lost in a frame or two must not drop
    # it); its statistics come from the frames that have it.
    counts: dict[str, int] = {}
    for r in rows:
        for k in r:
            counts[k] = counts.get(k, 0) + 1
    keys = {k for k, n in counts.items() if n >= SIGNAL_QUORUM * len(rows)}
    if not keys:
        raise ValueError("the calibration frames share no measurable signal")
    if view is View.FRONT and not any(f"neck_ratio@{r}" in keys for r in HEAD_REFS):
        raise ValueError("no head point (ears, eyes or nose) seen in the calibration frames")
    signals = {k: Stat.of(r[k] for r in rows if k in r) for k in sorted(keys)}
    return Baseline(view, signals, image_size, _noise(view, rows, signals))


def front_features(sample: PoseSample, min_conf: float = MIN_CONFIDENCE) -> dict[str, float] | None:
    """The front view's signals of one sample, or None without both shoulders."""
    feats = _features(sample, measure(sample, min_conf), min_conf, View.FRONT)
    return feats if "shoulder_width" in feats else None


def _noise(view: View, rows: Sequence[Mapping[str, float]], signals: Mapping[str, Stat]) -> dict[str, float]:
    """Robust spread of each slump measure over the calibration frames themselves."""
    if view is View.SIDE:
        return {"trunk_deg": signals["trunk_deg"].mad} if "trunk_deg" in signals else {}
    return front_noise(rows, signals)


def slump_side_sigma(values: Sequence[float]) -> float:
    """Noise of an upright measure in the direction of a slump: the robust sigma, or the spread of
    its upper tail (90th percentile over the median, as normal sigmas) if that is wider. Upright
    frames that stray, do so towards a slump (the body shifting down in the image), and only
    that side can cause a false alarm."""
    if len(values) < 2:
        return 0.0
    ordered = sorted(values)
    upper = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))] - statistics.median(ordered)
    return max(robust_sigma(values), upper / 1.2816)


def front_noise(
    rows: Iterable[Mapping[str, float]],
    signals: Mapping[str, Stat],
    sigma: Callable[[Sequence[float]], float] = slump_side_sigma,
    lean_back: float = LEAN_BACK_WEIGHT,
) -> dict[str, float]:
    """Noise of the front measures of upright feature rows against ``signals``: ``sigma`` of each.

    Calibration frames are upright by instruction, so their upper tail is noise on the slump side
    (:func:`slump_side_sigma`). The learner passes :func:`robust_sigma`: its rows are upright only by
    its own judgement, and with their upper tail ``evaluate --mode self`` on front session A falls
    from 1.000 to 0.857 balanced accuracy.
    """
    ms = [m for r in rows if (m := front_measures(r, signals, lean_back)) is not None]
    if not ms:
        return {}
    return {key: sigma([m[key] for m in ms]) for key in ("neck", "drop", "forward")}


def is_slumped(s: Score, thresholds: Thresholds, currently_slumped: bool = False) -> bool | None:
    """Frame verdict with hysteresis; None when the posture could not be measured."""
    if s.index is None:
        return None
    limit = thresholds.exit if currently_slumped else thresholds.enter
    return s.index >= limit


__all__ = [
    "FRONT",
    "Baseline",
    "FrontConstants",
    "Score",
    "Sensitivity",
    "Stat",
    "Thresholds",
    "baseline_from_features",
    "build_baseline",
    "features",
    "front_features",
    "front_index",
    "front_measures",
    "front_noise",
    "index_to_deg",
    "is_slumped",
    "robust_sigma",
    "score",
]
