"""Calibration profiles: a person's upright baseline for one camera, saved as versioned JSON.

Format (``calibration/README.md`` documents it for users)::

    {"schema": 2, "name": "desk", "created": "2026-11-30T09:00:00+00:00",
     "view": "front", "camera": "0", "resolution": [640, 480], "model": "pose_landmarker_full.task",
     "signals": {"head_y@ears": {"mean": 201.3, "std": 4.1, "n": 48, "median": 201.0, "mad": 3.2}, ...},
     "noise": {"neck": 0.021, "drop": 0.018}}

Schema 1 profiles (mean and std only, and ``trunk_spread_deg``) still load: their medians are taken
to be the means, and a side profile's spread becomes its trunk noise.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import ProfileError
from .geometry import MIN_CONFIDENCE, View
from .landmarks import PoseSample
from .scoring import Baseline, Stat, build_baseline, features

SCHEMA = 2
READABLE_SCHEMAS = (1, 2)
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
# Calibration refusals.
MIN_BRIGHTNESS = 40.0  # mean grey level 0-255
MAX_MOTION_SW = 0.15  # shoulder-width units of head/shoulder movement (std) while calibrating
MIN_USABLE_FRACTION = 0.6
# Camera-match check at the start of monitoring.
MAX_SCALE_CHANGE = 0.30  # shoulder width differs by more than 30%
MAX_SHIFT_SW = 0.6  # shoulders moved by more than 0.6 shoulder widths


@dataclass(frozen=True)
class Profile:
    name: str
    created: str
    baseline: Baseline
    camera: str = ""
    model: str = ""

    def to_json(self) -> dict[str, object]:
        b = self.baseline
        return {
            "schema": SCHEMA,
            "name": self.name,
            "created": self.created,
            "view": b.view.value,
            "camera": self.camera,
            "resolution": list(b.image_size) if b.image_size else None,
            "model": self.model,
            "signals": {
                k: {"mean": s.mean, "std": s.std, "n": s.n, "median": s.median, "mad": s.mad}
                for k, s in b.signals.items()
            },
            "noise": dict(b.noise),
        }

    @staticmethod
    def from_json(data: object, where: str = "profile") -> Profile:
        try:
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            schema = data.get("schema")
            if schema not in READABLE_SCHEMAS:
                raise ValueError(f"schema {schema!r} is not one of {READABLE_SCHEMAS}")
            signals = {str(k): _stat(v) for k, v in dict(data["signals"]).items()}
            if not signals or not all(
                math.isfinite(x) for s in signals.values() for x in (s.mean, s.std, s.median, s.mad)
            ):
                raise ValueError("signals are empty or not finite")
            view = View(data["view"])
            _check_signals(view, signals)
            noise = {str(k): float(v) for k, v in dict(data.get("noise") or {}).items()}
            if schema == 1 and view is View.SIDE:
                noise["trunk_deg"] = float(data.get("trunk_spread_deg", 0.0))
            if not all(math.isfinite(v) and v >= 0 for v in noise.values()):
                raise ValueError("noise must be finite and not negative")
            res = data.get("resolution")
            size = (int(res[0]), int(res[1])) if res else None
            if size is not None and (size[0] <= 0 or size[1] <= 0):
                raise ValueError(f"resolution {size} is not positive")
            baseline = Baseline(view, signals, size, noise)
            return Profile(
                str(data["name"]),
                str(data["created"]),
                baseline,
                str(data.get("camera", "")),
                str(data.get("model", "")),
            )
        except (KeyError, ValueError, TypeError, IndexError) as err:
            raise ProfileError(
                f"{where} is not a valid calibration profile ({err})",
                "run `slumpwatch calibrate` again to replace it",
            ) from err


def _stat(v: object) -> Stat:
    if not isinstance(v, dict):
        raise ValueError("a signal must be an object with mean, std and n")
    mean, std = float(v["mean"]), float(v["std"])
    return Stat(mean, std, int(v["n"]), float(v.get("median", mean)), float(v.get("mad", std)))


def _check_signals(view: View, signals: dict[str, Stat]) -> None:
    """A profile must hold what its view's scoring reads."""
    if view is View.SIDE:
        if "trunk_deg" not in signals:
            raise ValueError("a side profile needs the trunk_deg signal")
        return
    if view is not View.FRONT:
        raise ValueError(f"view {view.value!r} cannot be calibrated")
    width = signals.get("shoulder_width")
    if width is None or width.median <= 0 or "shoulder_y" not in signals:
        raise ValueError("a front profile needs a positive shoulder_width and shoulder_y")
    if not any(f"neck_ratio@{r}" in signals and f"head_y@{r}" in signals for r in ("ears", "eyes", "nose")):
        raise ValueError("a front profile needs head_y and neck_ratio for ears, eyes or nose")


def save_profile(profile: Profile, path: Path, backup: bool = True) -> None:
    """Writes the profile atomically; a previous one is kept as ``NAME.json.bak`` when ``backup``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(profile.to_json(), indent=2, allow_nan=False) + "\n", encoding="utf-8")
        if backup and path.is_file():
            path.with_name(path.name + ".bak").write_bytes(path.read_bytes())
        os.replace(tmp, path)
    except (OSError, ValueError) as err:
        why = getattr(err, "strerror", None) or str(err)
        raise ProfileError(
            f"cannot save the profile {path}: {why}", "check the folder; nothing was replaced"
        ) from err


def load_profile(path: Path) -> Profile:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise ProfileError(
            f"no calibration profile at {path}", "run `slumpwatch calibrate` first, or use --uncalibrated"
        ) from err
    except OSError as err:
        raise ProfileError(f"cannot read profile {path}: {err.strerror}", "check its permissions") from err
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ProfileError(
            f"profile {path} is not valid JSON (line {err.lineno})",
            "run `slumpwatch calibrate` to replace it",
        ) from err
    return Profile.from_json(data, f"profile {path}")


def check_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise ProfileError(f"invalid profile name {name!r}", "use letters, digits, '-', '_' or '.'")
    if name.startswith("auto-"):
        raise ProfileError(
            f"profile names starting with 'auto-' are kept for learned postures: {name!r}",
            "choose another name",
        )
    return name


@dataclass(frozen=True)
class Observation:
    """What calibration saw in one frame: its brightness and the people found."""

    brightness: float
    people: Sequence[PoseSample]


def calibrate(observations: Sequence[Observation], min_conf: float = MIN_CONFIDENCE) -> Baseline:
    """The upright baseline from a calibration recording, or a :class:`ProfileError` saying why not."""
    n = len(observations)
    if n == 0:
        raise ProfileError("calibration got no frames", "check the camera or the --source path")
    dark = sum(1 for o in observations if o.brightness < MIN_BRIGHTNESS)
    if dark > n / 2:
        raise ProfileError("too dark to calibrate", "turn on a light facing you, then run calibrate again")
    found = [o for o in observations if o.people]
    if len(found) < MIN_USABLE_FRACTION * n:
        raise ProfileError(
            f"nobody found in {n - len(found)} of {n} frames",
            "sit in front of the camera with your head and shoulders in view",
        )
    crowded = sum(1 for o in found if len(o.people) > 1)
    if crowded > len(found) / 3:
        raise ProfileError("two people in view while calibrating", "calibrate alone in front of the camera")
    samples = [o.people[0] for o in found]
    framed = [s for s in samples if _framed(s, min_conf)]
    if len(framed) < MIN_USABLE_FRACTION * n:
        raise ProfileError(
            "face or shoulders out of frame",
            "tilt the screen or move back so your whole head and both shoulders show",
        )
    motion = _motion_sw(framed, min_conf)
    if motion > MAX_MOTION_SW:
        raise ProfileError(
            f"moving too much to calibrate ({motion:.2f} shoulder widths)",
            "sit still, upright and right back in the chair for the whole countdown",
        )
    try:
        return build_baseline(framed, min_conf)
    except ValueError as err:
        raise ProfileError(f"calibration failed: {err}", "check the framing and run calibrate again") from err


def _framed(sample: PoseSample, min_conf: float) -> bool:
    needed = ("nose", "left_shoulder", "right_shoulder")
    for name in needed:
        p = sample.get(name, min_conf)
        if p is None or not (0.0 <= p.x <= 1.0 and 0.0 <= p.y <= 1.0):
            return False
    return True


def _motion_sw(samples: Sequence[PoseSample], min_conf: float) -> float:
    feats = [features(s, min_conf) for s in samples]
    widths = [f["shoulder_width"] for f in feats if "shoulder_width" in f]
    ys = [f["shoulder_y"] for f in feats if "shoulder_y" in f]
    if len(widths) < 2 or len(ys) < 2:
        return 0.0
    width = sum(widths) / len(widths)
    return Stat.of(ys).std / width if width > 0 else 0.0


def camera_mismatch(
    profile: Profile, samples: Sequence[PoseSample], min_conf: float = MIN_CONFIDENCE
) -> str | None:
    """Why the camera no longer matches the profile (ask to recalibrate), or None if it does."""
    b = profile.baseline
    sizes = {s.image_size for s in samples if s.image_size}
    if b.image_size and sizes and b.image_size not in sizes:
        got = next(iter(sizes))
        return f"the camera gives {got[0]}x{got[1]} but you calibrated at {b.image_size[0]}x{b.image_size[1]}"
    if b.view is not View.FRONT or "shoulder_width" not in b.signals:
        return None
    feats = [features(s, min_conf) for s in samples]
    widths = sorted(f["shoulder_width"] for f in feats if "shoulder_width" in f)
    ys = sorted(f["shoulder_y"] for f in feats if "shoulder_y" in f)
    if not widths:
        return None
    width, y = widths[len(widths) // 2], ys[len(ys) // 2]
    w0 = b.signals["shoulder_width"].median
    if abs(width - w0) / w0 > MAX_SCALE_CHANGE:
        return f"you look {width / w0:.0%} as wide as when you calibrated (camera or chair moved)"
    # Shoulders may sink when slumping, so only a rise or a large move means a different set-up.
    y0 = b.signals["shoulder_y"].median
    if (y0 - y) / w0 > MAX_SHIFT_SW / 2 or abs(y - y0) / w0 > MAX_SHIFT_SW:
        return "your shoulders are far from where they were when you calibrated (camera moved)"
    return None
