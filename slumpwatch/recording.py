"""Landmark recordings: JSON lines of pose samples with timestamps, never images.

Format (documented for users in ``sample_frames/README.md``)::

    {"format": "slumpwatch-landmarks", "version": 1, "model": "...", "source": "..."}   # optional header
    {"t": 0.0, "size": [640, 480], "landmarks": {"nose": [x, y, z, visibility, presence], ...},
     "world": {...}, "people": 1, "label": "upright", "subject": "s1", "session": "A", "view": "front"}
    {"t": 0.5, "landmarks": null}                                          # nobody in frame

Only ``landmarks`` is required on a frame line. A landmark value may be ``[x, y]``, ``[x, y, z]``,
``[x, y, z, visibility]``, the full five numbers, or an object with those keys; ``landmarks`` may
also be a list of 33 rows in MediaPipe order. Missing ``t`` means 10 frames per second. ``size``
(width, height in pixels) lets the geometry use square units; without it coordinates are taken as
they are. Any subset of the 33 names is accepted.

Frames that cannot be trusted (a time that is not finite or goes backwards, non-finite or absurd
coordinates, a size of zero) are dropped when read and counted by reason, never passed on.

Confidence (visibility, presence) is on the estimator's own scale. MediaPipe's, which slumpwatch's
0.5 threshold is for, puts a shoulder in view near 1; other estimators score a good point far lower
(MoveNet: 0.3 to 0.6), and every point of such a recording would be discarded. So a recording that
does not name a MediaPipe pose landmarker in its header, and whose shoulders' median confidence is
below the threshold, is read on its own scale: confidences are divided by that median (at most 1).
A point then counts when it is at least half as sure as the recording's typical shoulder.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from .errors import InputError
from .geometry import MIN_CONFIDENCE
from .landmarks import LANDMARK_NAMES, Landmark, PoseSample, sample_problem

FORMAT = "slumpwatch-landmarks"
VERSION = 1
DEFAULT_FPS = 10.0
OWN_MODEL_MARK = "pose_landmarker"  # what slumpwatch's own recordings name in the header's "model"


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


def _point(value: Any) -> Landmark:
    if isinstance(value, Mapping):
        keys = ("x", "y", "z", "visibility", "presence")
        defaults = (None, None, 0.0, 1.0, 1.0)
        nums = [value.get(k, d) for k, d in zip(keys, defaults, strict=True)]
        if nums[0] is None or nums[1] is None:
            raise ValueError("landmark needs x and y")
        return Landmark(*(float(n) for n in nums))
    nums = [float(v) for v in value]
    if not 2 <= len(nums) <= 5:
        raise ValueError("landmark needs 2 to 5 numbers")
    return Landmark(*nums)


def _points(value: Any) -> dict[str, Landmark]:
    if isinstance(value, Mapping):
        return {str(name): _point(v) for name, v in value.items() if v is not None}
    if isinstance(value, list):
        return {name: _point(v) for name, v in zip(LANDMARK_NAMES, value, strict=False) if v is not None}
    raise ValueError("landmarks must be an object or a list")


def parse_frame(record: Mapping[str, Any], index: int) -> RecordedFrame:
    t = float(record["t"]) if record.get("t") is not None else index / DEFAULT_FPS
    label = record.get("label")
    info = {k: str(record[k]) for k in ("subject", "session", "view", "file") if record.get(k)}
    raw = record.get("landmarks")
    if not raw:
        return RecordedFrame(t, None, _label(label), info)
    size = record.get("size")
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


def read_recording(path: Path, dropped: MutableMapping[str, int] | None = None) -> Iterator[RecordedFrame]:
    """Yields the frames of a recording; a malformed line is an :class:`InputError` naming it.

    Untrustworthy frames are skipped and counted in ``dropped`` (reason -> frames).
    """
    dropped = Counter() if dropped is None else dropped
    scale = confidence_scale(path)
    try:
        stream = path.open(encoding="utf-8-sig")  # a byte-order mark is harmless
    except OSError as err:
        raise InputError(f"cannot read recording {path}: {err.strerror}", "check the path") from err
    with stream:
        try:
            for frame in _frames(path, stream, dropped):
                yield frame if scale == 1.0 or frame.sample is None else _rescaled(frame, scale)
        except UnicodeDecodeError as err:
            raise InputError(
                f"recording {path} is not UTF-8 text (byte {err.start})", "give a .jsonl landmark recording"
            ) from err


def confidence_scale(path: Path) -> float:
    """What the recording's confidences are multiplied by (see the module docstring): 1, unless
    another estimator's scale puts its typical shoulder below the threshold. Reads the file once,
    without judging it: unreadable lines are left to :func:`read_recording` to report."""
    values: list[float] = []
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
                        return 1.0
                    continue
                try:
                    points = _points(record["landmarks"]) if record.get("landmarks") else {}
                except (ValueError, TypeError, KeyError, OverflowError):
                    continue
                values += [p.confidence for n in ("left_shoulder", "right_shoulder") if (p := points.get(n))]
    except (OSError, UnicodeDecodeError):
        return 1.0
    typical = statistics.median(values) if values else 1.0
    return 1.0 / typical if 0.0 < typical < MIN_CONFIDENCE else 1.0


def _rescaled(frame: RecordedFrame, scale: float) -> RecordedFrame:
    assert frame.sample is not None
    points = {
        n: p._replace(visibility=min(p.visibility * scale, 1.0), presence=min(p.presence * scale, 1.0))
        for n, p in frame.sample.landmarks.items()
    }
    return replace(frame, sample=replace(frame.sample, landmarks=points))


def _frames(path: Path, stream: Iterator[str], dropped: MutableMapping[str, int]) -> Iterator[RecordedFrame]:
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
            frame = parse_frame(record, index)
        except (ValueError, KeyError, TypeError, OverflowError) as err:
            raise InputError(
                f"{path}:{lineno}: bad recording line ({err})",
                "see sample_frames/README.md for the format",
            ) from err
        index += 1
        why = _frame_problem(frame, last_t)
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
    return None if frame.sample is None else sample_problem(frame.sample)
