"""The boundary value type for pose output.

Only the pose adapter (``slumpwatch.pose``) builds :class:`PoseSample` from MediaPipe objects;
everything downstream (geometry, scoring, recordings) sees these plain values.

Coordinates follow MediaPipe's conventions:

* image landmarks: ``x`` and ``y`` normalised to [0, 1] by the image width and height, origin top
  left, ``y`` pointing down; ``z`` is depth relative to the hips in roughly the scale of ``x``
  (smaller is nearer the camera). ``visibility`` and ``presence`` are probabilities in [0, 1].
* world landmarks: metres, origin between the hips, ``y`` pointing down, ``z`` towards the camera
  negative.

A sample may hold any subset of the 33 named landmarks: recordings from other tools often carry
only the nose, eyes, ears and shoulders.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

LANDMARK_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)
LANDMARK_INDEX: dict[str, int] = {name: i for i, name in enumerate(LANDMARK_NAMES)}

# Pairs swapped by a mirror image (and by a left/right naming mix-up in another tool).
MIRROR_PAIRS: tuple[tuple[str, str], ...] = tuple(
    (name, "right_" + name[len("left_") :]) for name in LANDMARK_NAMES if name.startswith("left_")
)

# The skeleton drawn by ``--annotate``: the upper body that the scoring reads.
SKELETON: tuple[tuple[str, str], ...] = (
    ("left_ear", "left_eye"),
    ("left_eye", "nose"),
    ("nose", "right_eye"),
    ("right_eye", "right_ear"),
    ("left_shoulder", "right_shoulder"),
    ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
    ("left_hip", "right_hip"),
)


class Landmark(NamedTuple):
    """One keypoint. See the module docstring for units."""

    x: float
    y: float
    z: float = 0.0
    visibility: float = 1.0
    presence: float = 1.0

    @property
    def confidence(self) -> float:
        """The smaller of visibility and presence: how far to trust this point."""
        return min(self.visibility, self.presence)


@dataclass(frozen=True)
class PoseSample:
    """One person's landmarks in one frame.

    ``image_size`` is ``(width, height)`` in pixels when known; geometry uses it to turn normalised
    coordinates into square units. ``world`` holds metric landmarks when the estimator gives them.
    """

    landmarks: Mapping[str, Landmark]
    world: Mapping[str, Landmark] | None = None
    image_size: tuple[int, int] | None = None
    extra_people: int = 0
    meta: Mapping[str, object] = field(default_factory=dict)

    def get(self, name: str, min_confidence: float = 0.0) -> Landmark | None:
        point = self.landmarks.get(name)
        if point is None or point.confidence < min_confidence:
            return None
        return point

    def shoulder_center(self) -> tuple[float, float] | None:
        """Normalised midpoint of the shoulders (where this person sits), or None."""
        ls, rs = self.landmarks.get("left_shoulder"), self.landmarks.get("right_shoulder")
        if ls is None or rs is None:
            return None
        return (ls.x + rs.x) / 2, (ls.y + rs.y) / 2

    def pixel(self, point: Landmark) -> tuple[float, float]:
        """``point`` in square units: pixels when the image size is known, else normalised."""
        if self.image_size is None:
            return point.x, point.y
        width, height = self.image_size
        return point.x * width, point.y * height

    def mirrored(self) -> PoseSample:
        """The same pose seen in a mirror: x flipped and left/right names swapped."""

        def flip(points: Mapping[str, Landmark], flip_x: bool) -> dict[str, Landmark]:
            swapped: dict[str, str] = {}
            for left, right in MIRROR_PAIRS:
                swapped[left], swapped[right] = right, left
            out: dict[str, Landmark] = {}
            for name, p in points.items():
                x = 1.0 - p.x if flip_x else -p.x
                out[swapped.get(name, name)] = p._replace(x=x)
            return out

        return PoseSample(
            landmarks=flip(self.landmarks, True),
            world=None if self.world is None else flip(self.world, False),
            image_size=self.image_size,
            extra_people=self.extra_people,
            meta=self.meta,
        )


def landmarks_from_rows(rows: Iterable[Iterable[float]]) -> dict[str, Landmark]:
    """33 rows of ``(x, y, z, visibility, presence)`` in MediaPipe order, as named landmarks."""
    return {name: Landmark(*map(float, row)) for name, row in zip(LANDMARK_NAMES, rows, strict=False)}


# Beyond these a value is a broken estimator or a damaged recording, not a person at a desk.
MAX_COORDINATE = 100.0  # normalised image units, or metres for world landmarks
MAX_IMAGE_SIDE = 100_000  # pixels


def sample_problem(sample: PoseSample) -> str | None:
    """Why ``sample`` cannot be trusted (non-finite or absurd values), or None if it can."""
    if sample.image_size is not None:
        w, h = sample.image_size
        if not (0 < w <= MAX_IMAGE_SIDE and 0 < h <= MAX_IMAGE_SIDE):
            return "absurd image size"
    for points in (sample.landmarks, sample.world or {}):
        for p in points.values():
            if not all(math.isfinite(v) for v in p):
                return "non-finite landmark values"
            if max(abs(p.x), abs(p.y), abs(p.z)) > MAX_COORDINATE:
                return "absurd landmark coordinates"
            if not (0.0 <= p.visibility <= 1.0 and 0.0 <= p.presence <= 1.0):
                return "landmark confidence outside 0..1"
    return None


def describe_dropped(counts: Mapping[str, int]) -> str:
    """ "N frames dropped (n why, ...)" for frames that could not be trusted (reason -> frames)."""
    return (
        f"{sum(counts.values())} frames dropped ("
        + ", ".join(f"{n} {why}" for why, n in counts.items())
        + ")"
    )
