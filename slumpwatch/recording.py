"""Landmark recordings: JSON lines of pose samples with timestamps, never images.

Format (documented for users in ``sample_frames/README.md``)::

    {"format": "slumpwatch-landmarks", "version": 1, "model": "...", "source": "..."}   # optional header
    {"t": 0.0, "size": [640, 480], "landmarks": {"nose": [x, y, z, visibility, presence], ...},
     "world": {...}, "people": 1, "label": "upright", "subject": "s1", "session": "A", "view": "front"}
    {"t": 0.5, "landmarks": null}                                          # nobody in frame

Only ``landmarks`` is required on a frame line. A landmark value may be ``[x, y]``, ``[x, y, z]``,
``[x, y, z, visibility]``, the full five numbers, or an object with those keys; ``landmarks`` may
also be a list of 33 rows in MediaPipe order or of 17 in COCO order (MoveNet, YOLO, OpenPose's
COCO model). Names are read without case, and with spaces, hyphens or camel case for underscores
(``LEFT_SHOULDER``, ``Left Shoulder``, ``leftShoulder``); a point that is ``null`` or empty, or
whose coordinates are ``null`` (how pandas writes a missing value), is a point not seen. Missing
``t`` means 10 frames per second. A replay keeps one clock; ``evaluate`` scores frames in the
file's order and does not check their times (each session may restart at 0, and one wrong time
must not cost the frames after it). ``size`` (width, height in pixels) lets the
geometry use square units; without it coordinates are taken as they are. Any subset of the 33 names
is accepted.

Coordinates are normalised to the image. A recording whose shoulders sit beyond any normalised
value (beyond 2) holds pixels instead: a frame with ``size`` is divided by it, one without by the
largest coordinate of a head point or shoulder in the recording (a frame reaching more than 3 times
as far as the median frame holds a glitch and does not count), on both axes, with that as a square
``size``, so distances keep their square pixels and the upper body stays in frame.

Frames that cannot be trusted (non-finite or absurd coordinates, a size of zero; in a replay, a time
that is not finite or goes backwards) are dropped when read and counted by reason, never passed on.

Confidence (visibility, presence) is on the estimator's own scale. MediaPipe's, which slumpwatch's
0.5 threshold is for, puts a shoulder in view near 1; other estimators score a good point far lower
(MoveNet: 0.3 to 0.6), and every point of such a recording would be discarded. So a recording that
does not name a MediaPipe pose landmarker in its header is read on its own scale: confidences are
divided by its shoulders' median confidence (results at most 1). A point then counts when it is at
least half as sure as the recording's typical shoulder, on any scale: whether the median falls just
below or just above 0.5 must not decide whether a recording can be scored at all. (A recording
whose shoulders sit near 1, like MediaPipe's, is hardly changed.)
"""

from __future__ import annotations

import json
import math
import re
import statistics
from collections import Counter
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from .errors import InputError
from .landmarks import LANDMARK_INDEX, LANDMARK_NAMES, MAX_IMAGE_SIDE, Landmark, PoseSample, sample_problem

FORMAT = "slumpwatch-landmarks"
VERSION = 1
DEFAULT_FPS = 10.0
OWN_MODEL_MARK = "pose_landmarker"  # what slumpwatch's own recordings name in the header's "model"
# The 17 keypoints of COCO (MoveNet, YOLO pose, OpenPose's COCO model), in their order.
COCO_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)
# The points the front view reads: they are in frame when a person is usable, unlike hips and legs.
UPPER_NAMES = frozenset((*LANDMARK_NAMES[:11], "left_shoulder", "right_shoulder"))
LIST_ORDERS = {len(LANDMARK_NAMES): LANDMARK_NAMES, len(COCO_NAMES): COCO_NAMES}
PIXEL_MARK = 2.0  # a shoulder beyond this is no normalised coordinate: the recording holds pixels


@dataclass(frozen=True)
class RecordedFrame:
    t: float
    sample: PoseSample | None
    label: str | None = None
    info: Mapping[str, str] = field(default_factory=dict)


def _encode_points(points: Mapping[str, Landmark]) -> dict[str, list[float]]:
    return {name: [round(v, 5) for v in p] for name, p in points.items()}


def frame_to_json(t: float, sample: PoseSample | None, label: str | None = None, **info: str) -> str:
    record: dict[str, Any] = {"t": round(t, 3)}
    if sample is None:
        record["landmarks"] = None
    else:
        if sample.image_size:
            record["size"] = list(sample.image_size)
        record["people"] = sample.extra_people + 1
        record["landmarks"] = _encode_points(sample.landmarks)
        if sample.world is not None:
            record["world"] = _encode_points(sample.world)
    if label is not None:
        record["label"] = label
    record.update({k: v for k, v in info.items() if v})
    return json.dumps(record, separators=(",", ":"), allow_nan=False)


class RecordingWriter:
    """Writes a recording, one line per frame, flushed so a crash loses at most a line."""

    def __init__(self, stream: IO[str], *, model: str = "", source: str = "") -> None:
        self._stream = stream
        header = {"format": FORMAT, "version": VERSION, "model": model, "source": source}
        stream.write(json.dumps(header) + "\n")

    def write(self, t: float, sample: PoseSample | None, label: str | None = None, **info: str) -> None:
        self._stream.write(frame_to_json(t, sample, label, **info) + "\n")
        self._stream.flush()


def _seen(value: Any) -> bool:
    """Whether a landmark value holds a point: ``null``, ``[]``, ``{}`` and null coordinates do not."""
    if value is None:
        return False
    if isinstance(value, Mapping):  # {"y": 0.3} is seen, and a bad line, as [0.5] is
        return bool(value) and value.get("x", 0) is not None and value.get("y", 0) is not None
    if isinstance(value, list):
        return bool(value) and value[0] is not None and (len(value) < 2 or value[1] is not None)
    return True


def _point(value: Any) -> Landmark:
    if isinstance(value, Mapping):
        value = {k: v for k, v in value.items() if v is not None}  # a null confidence: not given
        keys = ("x", "y", "z", "visibility", "presence")
        defaults = (None, None, 0.0, 1.0, 1.0)
        nums = [value.get(k, d) for k, d in zip(keys, defaults, strict=True)]
        if nums[0] is None or nums[1] is None:
            raise ValueError("landmark needs x and y")
        return Landmark(*(float(n) for n in nums))
    nums = [float(v) for v in _trim_nulls(value)]
    if not 2 <= len(nums) <= 5:
        raise ValueError("landmark needs 2 to 5 numbers")
    return Landmark(*nums)


def _trim_nulls(value: Any) -> list[Any]:
    """A point's numbers without trailing nulls (``[x, y, null, null]``: no z, no confidence given)."""
    nums = list(value)
    while nums and nums[-1] is None:
        nums.pop()
    return nums


def _name(raw: object) -> str:
    """A landmark name as slumpwatch spells it: ``LEFT_SHOULDER``, ``Left Shoulder``, PoseNet's
    ``leftShoulder`` and OpenPose's ``LShoulder`` are ``left_shoulder``."""
    text = str(raw).strip()
    if not text.isupper():  # camel case: a capital starts a word (OpenPose's LShoulder stays whole)
        text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
    name = "_".join(text.lower().replace("-", " ").replace("_", " ").split())
    if name not in LANDMARK_INDEX and name[:1] in ("l", "r"):
        side = "left_" if name[0] == "l" else "right_"
        alias = side + name[1:].lstrip("_")
        if alias in LANDMARK_INDEX:
            return alias
    return name


def _points(value: Any) -> dict[str, Landmark]:
    if isinstance(value, Mapping):
        return {_name(name): _point(v) for name, v in value.items() if _seen(v)}
    if isinstance(value, list):
        order = LIST_ORDERS.get(len(value))
        if order is None:
            raise ValueError(
                f"a list of {len(value)} landmarks: 33 rows in MediaPipe order or 17 in COCO order expected"
            )
        return {name: _point(v) for name, v in zip(order, value, strict=True) if _seen(v)}
    raise ValueError("landmarks must be an object or a list")


def parse_frame(record: Mapping[str, Any], index: int) -> RecordedFrame:
    t = float(record["t"]) if record.get("t") is not None else index / DEFAULT_FPS
    label = record.get("label")
    info = {k: str(record[k]) for k in ("subject", "session", "view", "file") if record.get(k)}
    raw = record.get("landmarks")
    if not raw:
        return RecordedFrame(t, None, _label(label), info)
    size = record.get("size")
    if size and not (isinstance(size, list) and len(size) == 2):
        raise ValueError("size must be [width, height]")
    image_size = (int(size[0]), int(size[1])) if size else None
    world = _points(record["world"]) if record.get("world") else None
    people = int(record.get("people", 1))
    sample = PoseSample(_points(raw), world, image_size, extra_people=max(people - 1, 0))
    return RecordedFrame(t, sample, _label(label), info)


def _label(value: Any) -> str | None:
    """A per-frame label as evaluate compares it: "Upright " from another tool is "upright"."""
    return None if value is None else str(value).strip().lower()


def is_recording(path: Path) -> bool:
    return path.suffix.lower() in (".jsonl", ".ndjson") or path.name.endswith(".jsonl.gz")


def read_recording(
    path: Path, dropped: MutableMapping[str, int] | None = None, *, timed: bool = True
) -> Iterator[RecordedFrame]:
    """Yields the frames of a recording; a malformed line is an :class:`InputError` naming it.

    Untrustworthy frames are skipped and counted in ``dropped`` (reason -> frames). A replay through
    the monitor (``timed``) keeps one clock: a time that is not finite or goes backwards is dropped.
    Evaluation (``timed=False``) scores frames in the file's order and does not check their times:
    sessions may each start at 0, and one wrong time must not cost every frame after it.
    """
    dropped = Counter() if dropped is None else dropped
    survey = survey_recording(path)
    try:
        stream = path.open(encoding="utf-8-sig")  # a byte-order mark is harmless
    except OSError as err:
        raise InputError(f"cannot read recording {path}: {err.strerror}", "check the path") from err
    with stream:
        try:
            yield from _frames(path, stream, dropped, survey, timed)
        except UnicodeDecodeError as err:
            raise InputError(
                f"recording {path} is not UTF-8 text (byte {err.start})", "give a .jsonl landmark recording"
            ) from err


@dataclass(frozen=True)
class Survey:
    """What one pass over a recording tells about its units (see the module docstring)."""

    confidence_scale: float = 1.0  # what confidences are multiplied by
    pixels: bool = False  # coordinates are pixels, not normalised
    pixel_side: int = 1  # pixels: the square image size given to frames without one


def survey_recording(path: Path) -> Survey:
    """Reads the file once, without judging it (unreadable lines are left to :func:`read_recording`
    to report): the confidence scale of another estimator, and whether coordinates are pixels.
    slumpwatch's own recordings are normalised and on MediaPipe's scale."""
    confidences: list[float] = []
    reach: list[float] = []  # per frame, the shoulders' largest coordinate
    largest: list[float] = []  # per frame without a size, its largest head or shoulder coordinate
    try:
        with path.open(encoding="utf-8-sig") as stream:
            for line in stream:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(record, dict):
                    continue
                if "format" in record and "landmarks" not in record:
                    if OWN_MODEL_MARK in str(record.get("model", "")):
                        return Survey()
                    continue
                try:
                    points = _points(record["landmarks"]) if record.get("landmarks") else {}
                    shoulders = [p for n in ("left_shoulder", "right_shoulder") if (p := points.get(n))]
                    confidences += [p.confidence for p in shoulders]
                    if shoulders:
                        reach.append(max(max(abs(p.x), abs(p.y)) for p in shoulders))
                    if not record.get("size"):
                        upper = [p for n, p in points.items() if n in UPPER_NAMES]
                        coords = [abs(c) for p in upper for c in (p.x, p.y)]
                        if kept := [c for c in coords if c <= MAX_IMAGE_SIDE]:
                            largest.append(max(kept))
                except (ValueError, TypeError, KeyError, OverflowError):
                    continue
    except (OSError, UnicodeDecodeError):
        return Survey()
    typical = statistics.median(confidences) if confidences else 1.0
    scale = 1.0 / typical if 0.0 < typical < 1.0 else 1.0
    pixels = bool(reach) and statistics.median(reach) > PIXEL_MARK
    return Survey(scale, pixels, max(math.ceil(_image_side(largest)), 1))


GLITCH_REACH = 3.0  # a frame reaching this many times further than the typical frame holds a glitch


def _image_side(largest: Sequence[float]) -> float:
    """The square image side of pixel frames without a size: the largest coordinate of any frame's
    head or shoulders, not counting a frame that reaches more than 3 times as far as the median
    frame does. A person moving to the image's edge reaches less than twice as far; one point
    gone astray in one frame (25,000 px) must not shrink every other frame to a speck."""
    if not largest:
        return 0.0
    typical = statistics.median(largest)
    return max(c for c in largest if c <= GLITCH_REACH * typical)


def _adjusted(frame: RecordedFrame, survey: Survey) -> RecordedFrame:
    """``frame`` in normalised coordinates on MediaPipe's confidence scale."""
    sample = frame.sample
    if sample is None or (survey.confidence_scale == 1.0 and not survey.pixels):
        return frame
    size, (sx, sy) = sample.image_size, (1, 1)
    if survey.pixels:
        size = size or (survey.pixel_side, survey.pixel_side)
        sx, sy = size
    c = survey.confidence_scale
    points = {
        n: Landmark(p.x / sx, p.y / sy, p.z / sx, min(p.visibility * c, 1.0), min(p.presence * c, 1.0))
        for n, p in sample.landmarks.items()
    }
    return replace(frame, sample=replace(sample, landmarks=points, image_size=size))


def _frames(
    path: Path,
    stream: Iterator[str],
    dropped: MutableMapping[str, int],
    survey: Survey,
    timed: bool,
) -> Iterator[RecordedFrame]:
    index = 0
    last_t = -math.inf
    for lineno, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
            if "format" in record and "landmarks" not in record:
                if record["format"] != FORMAT:
                    raise ValueError(f"unknown format {record['format']!r}")
                continue
            frame = _adjusted(parse_frame(record, index), survey)
        except (ValueError, KeyError, TypeError, OverflowError) as err:
            raise InputError(
                f"{path}:{lineno}: bad recording line ({err})",
                "see sample_frames/README.md for the format",
            ) from err
        index += 1
        why = _frame_problem(frame, last_t) if timed else _sample_problem(frame)
        if why is not None:
            dropped[why] = dropped.get(why, 0) + 1
            continue
        last_t = frame.t
        yield frame


def _frame_problem(frame: RecordedFrame, last_t: float) -> str | None:
    if not math.isfinite(frame.t):
        return "time not finite"
    if frame.t < last_t:
        return "time going backwards"
    return _sample_problem(frame)


def _sample_problem(frame: RecordedFrame) -> str | None:
    return None if frame.sample is None else sample_problem(frame.sample)
