from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from slumpwatch.landmarks import Landmark, PoseSample

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SLUMPWATCH_SHARED", ROOT.parent / "shared" / "frames"))


@pytest.fixture
def shared_frames() -> Path:
    if not (SHARED / "labels.csv").is_file():
        pytest.skip(f"real test frames not found at {SHARED} (the ../shared checkout is absent)")
    return SHARED


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLUMPWATCH_HOME", str(tmp_path_factory.mktemp("home")))


def side_pose(
    trunk_deg: float, facing: int = 1, neck_deg: float = 0.0, size: tuple[int, int] = (720, 1280)
) -> PoseSample:
    """A side-view person whose hip->shoulder line leans ``trunk_deg`` forward (pixels)."""
    w, h = size
    hip = (360.0, 800.0)
    trunk_len = 350.0
    a = math.radians(trunk_deg)
    sh = (hip[0] + facing * trunk_len * math.sin(a), hip[1] - trunk_len * math.cos(a))
    n = math.radians(neck_deg)
    ear = (sh[0] + facing * 120 * math.sin(n), sh[1] - 120 * math.cos(n))
    nose = (ear[0] + facing * 60, ear[1] + 10)

    def lm(p: tuple[float, float], dz: float = 0.0) -> Landmark:
        return Landmark(p[0] / w, p[1] / h, dz, 0.99, 0.99)

    pts = {
        "nose": lm(nose),
        "left_ear": lm(ear, -0.1),
        "right_ear": lm((ear[0] + 2, ear[1]), 0.1),
        "left_eye": lm((nose[0] - facing * 15, nose[1] - 12)),
        "right_eye": lm((nose[0] - facing * 14, nose[1] - 12)),
        "left_shoulder": lm(sh, -0.4),
        "right_shoulder": lm((sh[0] + 4, sh[1] + 3), 0.4),
        "left_hip": lm(hip, -0.2),
        "right_hip": lm((hip[0] + 3, hip[1]), 0.2),
    }
    return PoseSample(pts, None, size)


def front_pose(
    head_drop: float = 0.0,
    neck_ratio: float = 0.6,
    shoulder_y: float = 0.7,
    width_px: float = 300.0,
    size: tuple[int, int] = (640, 480),
    only_head: bool = False,
    shift_x: float = 0.0,
    head_scale: float = 1.0,
) -> PoseSample:
    """A front-view person: shoulders ``width_px`` apart, ears ``neck_ratio`` widths above them;
    the head's features ``head_scale`` times their usual size beside the shoulders."""
    w, h = size
    cx = w / 2 + shift_x
    sy = shoulder_y * h + head_drop * width_px
    ey = sy - neck_ratio * width_px

    def lm(x: float, y: float) -> Landmark:
        return Landmark(x / w, y / h, 0.0, 0.99, 0.99)

    hw = head_scale * width_px
    pts = {
        "nose": lm(cx, ey + 0.05 * hw),
        "left_eye": lm(cx + 0.1 * hw, ey - 0.03 * hw),
        "right_eye": lm(cx - 0.1 * hw, ey - 0.03 * hw),
        "left_ear": lm(cx + 0.22 * hw, ey),
        "right_ear": lm(cx - 0.22 * hw, ey),
        "left_shoulder": lm(cx + width_px / 2, sy),
        "right_shoulder": lm(cx - width_px / 2, sy),
    }
    if not only_head:
        pts["left_hip"] = Landmark(0.6, 1.5, 0, 0.01, 0.1)
        pts["right_hip"] = Landmark(0.4, 1.5, 0, 0.01, 0.1)
    return PoseSample(pts, None, size)
