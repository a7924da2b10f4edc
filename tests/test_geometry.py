from __future__ import annotations

import pytest

from slumpwatch.geometry import View, infer_view, measure, person_problem
from slumpwatch.landmarks import Landmark, PoseSample

from .conftest import front_pose, side_pose


@pytest.mark.parametrize("angle", [0.0, 15.0, 30.0, 45.0])
@pytest.mark.parametrize("facing", [1, -1])
def test_side_trunk_angle_recovers_constructed_lean(angle: float, facing: int) -> None:
    geo = measure(side_pose(angle, facing))
    assert geo.view is View.SIDE
    assert geo.trunk_source == "image"
    assert geo.trunk_deg == pytest.approx(angle, abs=1.0)


@pytest.mark.parametrize("facing", [1, -1])
def test_leaning_back_is_negative(facing: int) -> None:
    assert measure(side_pose(-20.0, facing)).trunk_deg == pytest.approx(-20.0, abs=1.0)


def test_neck_flexion_from_ear_and_shoulder() -> None:
    geo = measure(side_pose(0.0, 1, neck_deg=30.0))
    assert geo.neck_deg == pytest.approx(30.0, abs=1.5)


def test_mirror_gives_same_angles() -> None:
    s = side_pose(25.0, 1, neck_deg=10.0)
    a, b = measure(s), measure(s.mirrored())
    assert b.trunk_deg == pytest.approx(a.trunk_deg, abs=1e-6)
    assert b.neck_deg == pytest.approx(a.neck_deg, abs=1e-6)


def test_missing_hips_gives_no_side_trunk_and_flags_it() -> None:
    s = side_pose(30.0)
    no_hips = PoseSample({k: v for k, v in s.landmarks.items() if "hip" not in k}, None, s.image_size)
    geo = measure(no_hips)
    assert geo.trunk_deg is None
    assert "hips" in geo.uncertain
    assert geo.neck_deg is not None


def test_front_view_with_hidden_hips_uses_world_landmarks() -> None:
    s = front_pose()
    world = {
        "left_shoulder": Landmark(0.2, -0.5, -0.1),
        "right_shoulder": Landmark(-0.2, -0.5, -0.1),
        "left_hip": Landmark(0.1, 0.0, 0.0),
        "right_hip": Landmark(-0.1, 0.0, 0.0),
    }
    geo = measure(PoseSample(s.landmarks, world, s.image_size))
    assert geo.view is View.FRONT
    assert geo.trunk_source == "world"
    assert geo.trunk_deg == pytest.approx(11.3, abs=0.2)  # atan(0.1 / 0.5)
    assert "hips" in geo.uncertain


def test_view_inference() -> None:
    assert infer_view(front_pose()) is View.FRONT
    assert infer_view(side_pose(10)) is View.SIDE
    assert infer_view(PoseSample({}, None, (640, 480))) is View.UNKNOWN


def test_tiny_skeleton_is_not_a_person() -> None:
    big = front_pose()
    assert person_problem(big) is None
    tiny = front_pose(width_px=20, shoulder_y=0.1)
    assert person_problem(tiny) == "too small to be a person at the desk"
