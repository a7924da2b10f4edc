from __future__ import annotations

import math
import random

import pytest

from slumpwatch.geometry import View
from slumpwatch.landmarks import PoseSample
from slumpwatch.scoring import (
    SIDE_DEG,
    Sensitivity,
    Thresholds,
    build_baseline,
    index_to_deg,
    is_slumped,
    score,
)

from .conftest import front_pose, side_pose


def test_side_scores_relative_to_baseline_signed() -> None:
    b = build_baseline([side_pose(-10 + d, 1) for d in (-0.5, 0.0, 0.5, 0.2)])
    assert b.view is View.SIDE
    s = score(side_pose(20, 1), b)
    assert s.calibrated and s.view is View.SIDE
    assert s.trunk_deg == pytest.approx(30.0, abs=1.0)
    assert score(side_pose(-30, 1), b).trunk_deg == pytest.approx(-20.0, abs=1.0)


def test_reclining_straight_is_not_a_slump() -> None:
    b = build_baseline([side_pose(-5 + d, -1) for d in (-0.3, 0.0, 0.3)])
    th = Thresholds.for_sensitivity()
    assert is_slumped(score(side_pose(-30, -1), b), th) is False
    assert is_slumped(score(side_pose(25, -1), b), th) is True


def test_uncalibrated_side_uses_absolute_iso_band() -> None:
    th = Thresholds.for_sensitivity()
    assert is_slumped(score(side_pose(25)), th) is True
    assert is_slumped(score(side_pose(19)), th) is False
    assert score(side_pose(10)).calibrated is False
    assert score(side_pose(20)).index == pytest.approx(1.0, abs=0.01)


def test_front_degrees_shown_follow_the_index_on_the_side_scale() -> None:
    """The front camera cannot measure the trunk's angle: the degrees shown come from the slump
    index on the side view's scale (index 1.0, a slump at medium sensitivity, is 15 degrees), so
    upright jitter shows a few degrees, and a deep slump stays a plausible angle."""
    assert index_to_deg(1.0) == pytest.approx(SIDE_DEG)
    assert index_to_deg(0.2) == pytest.approx(0.2 * SIDE_DEG, abs=0.2)
    assert index_to_deg(-1.0) == pytest.approx(-SIDE_DEG)
    assert index_to_deg(2.0) < index_to_deg(4.0) < index_to_deg(8.0) < 90.0
    rng = random.Random(5)
    b = build_baseline([front_pose(head_drop=rng.gauss(0, 0.01)) for _ in range(30)])
    for d, r in ((0.0, 0.6), (0.1, 0.55), (0.3, 0.5), (3.0, 0.1)):
        s = score(front_pose(head_drop=d, neck_ratio=r), b)
        assert s.index is not None and s.trunk_deg == pytest.approx(index_to_deg(s.index))
    jitter = [score(front_pose(head_drop=rng.gauss(0, 0.01)), b).trunk_deg for _ in range(30)]
    assert max(abs(x) for x in jitter if x is not None) < 5


def test_front_head_drop_and_neck_shortening_score_forward() -> None:
    ups = [front_pose(head_drop=d, neck_ratio=0.6 + d / 4) for d in (-0.01, 0.0, 0.01, 0.005)]
    b = build_baseline(ups)
    assert b.view is View.FRONT
    th = Thresholds.for_sensitivity()
    upright = score(front_pose(), b)
    slumped = score(front_pose(head_drop=0.2, neck_ratio=0.5), b)
    assert upright.index is not None and abs(upright.index) < 0.2
    assert upright.trunk_deg is not None and abs(upright.trunk_deg) < 3
    assert slumped.index is not None and slumped.index > th.enter
    assert slumped.trunk_deg is not None and slumped.trunk_deg > 10
    assert slumped.measures["neck"] == pytest.approx(1 - 0.5 / 0.6, abs=0.01)
    # Sinking down in the chair: the head drops, the neck ratio hardly changes.
    sunk = score(front_pose(head_drop=0.3, neck_ratio=0.58), b)
    assert is_slumped(sunk, th) is True
    # Half of each sign is not a slump; the two halves together are.
    half_neck = score(front_pose(neck_ratio=0.6 * (1 - 0.6 * 0.125)), b)
    half_drop = score(front_pose(head_drop=0.6 * 0.35 * 0.6), b)
    both = score(front_pose(head_drop=0.6 * 0.35 * 0.6, neck_ratio=0.6 * (1 - 0.6 * 0.125)), b)
    assert not is_slumped(half_neck, th) and not is_slumped(half_drop, th)
    assert is_slumped(both, th)


def test_front_head_forward_counts_when_the_head_comes_nearer_than_the_shoulders() -> None:
    b = build_baseline([front_pose(head_drop=d) for d in (-0.01, 0.0, 0.01, 0.005)])
    th = Thresholds.for_sensitivity()
    still = score(front_pose(), b)
    assert still.index is not None
    # The head pushed forward: a third bigger beside the same shoulders, the neck as it was.
    pushed = score(front_pose(head_scale=1.3), b)
    assert pushed.measures["forward"] == pytest.approx(0.3, abs=0.01)
    assert is_slumped(pushed, th) is True
    # Jitter-sized growth (under half the floor) adds nothing to the index.
    slight = score(front_pose(head_scale=1.08), b)
    assert slight.index == pytest.approx(still.index, abs=0.05)
    # The whole body nearer: head and shoulders grow alike.
    nearer = score(front_pose(width_px=390.0, head_scale=1.0), b)
    assert nearer.measures["forward"] == pytest.approx(0.0, abs=0.01)
    # A torso turned away: narrower shoulders, the head as big as before in the image.
    turned = score(front_pose(width_px=240.0, head_scale=1.25), b)
    assert turned.measures["forward"] == pytest.approx(0.0, abs=0.01)
    assert is_slumped(turned, th) is False
    # A head turned aside only narrows.
    aside = score(front_pose(head_scale=0.7), b)
    assert aside.measures["forward"] < 0
    assert aside.index is not None and aside.index <= still.index + 0.05


def _tilted(sample: PoseSample, degrees: float) -> PoseSample:
    """The shoulder line turned by ``degrees`` about its midpoint (one shoulder dropped), in pixels."""
    w, h = sample.image_size or (1, 1)
    ls, rs = sample.landmarks["left_shoulder"], sample.landmarks["right_shoulder"]
    mx, my = (ls.x + rs.x) / 2 * w, (ls.y + rs.y) / 2 * h
    half = math.hypot((ls.x - rs.x) * w, (ls.y - rs.y) * h) / 2
    dx, dy = half * math.cos(math.radians(degrees)), half * math.sin(math.radians(degrees))
    pts = dict(sample.landmarks)
    pts["left_shoulder"] = ls._replace(x=(mx + dx) / w, y=(my + dy) / h)
    pts["right_shoulder"] = rs._replace(x=(mx - dx) / w, y=(my - dy) / h)
    return PoseSample(pts, sample.world, sample.image_size)


def test_front_a_dropped_shoulder_does_not_hide_a_slump() -> None:
    """Slumping to one side tilts the shoulder line: its horizontal extent shrinks by the cosine,
    which would read as a longer neck. The line's length is the body's scale."""
    b = build_baseline([front_pose(head_drop=d) for d in (-0.01, 0.0, 0.01)])
    th = Thresholds.for_sensitivity()
    level = score(front_pose(neck_ratio=0.6 * 0.85), b)
    tilted = score(_tilted(front_pose(neck_ratio=0.6 * 0.85), 20.0), b)
    assert level.measures["neck_raw"] == pytest.approx(0.15, abs=0.005)
    assert tilted.measures["neck_raw"] == pytest.approx(level.measures["neck_raw"], abs=0.002)
    assert is_slumped(tilted, th) is True
    # Upright with a tilted shoulder line stays upright.
    assert is_slumped(score(_tilted(front_pose(), 20.0), b), th) is False


def test_front_leaning_back_is_not_a_slump() -> None:
    """Leaning back: the shoulders recede (narrower) and the neck looks a little shorter."""
    b = build_baseline([front_pose(head_drop=d) for d in (-0.01, 0.0, 0.01)])
    th = Thresholds.for_sensitivity()
    reclined = score(front_pose(width_px=300 * 0.8, neck_ratio=0.6 * 0.9), b)
    assert reclined.measures["neck_raw"] == pytest.approx(0.1, abs=0.005)
    assert reclined.measures["neck"] == pytest.approx(0.0, abs=0.005)
    assert is_slumped(reclined, th) is False
    # The same neck shortening at the same distance is a forward slump.
    assert is_slumped(score(front_pose(neck_ratio=0.6 * 0.9), b), th) is True


def test_front_works_with_only_head_and_shoulders_and_mirrored() -> None:
    ups = [front_pose(head_drop=d, only_head=True) for d in (-0.01, 0.0, 0.01)]
    b = build_baseline(ups)
    s = front_pose(head_drop=0.2, neck_ratio=0.5, only_head=True)
    a, m = score(s, b), score(s.mirrored(), b)
    assert a.trunk_deg == pytest.approx(m.trunk_deg)
    assert a.trunk_deg is not None and a.trunk_deg > 15


def test_front_without_size_uses_normalised_units() -> None:
    from slumpwatch.landmarks import PoseSample

    raw = [PoseSample(front_pose(head_drop=d).landmarks) for d in (-0.01, 0.0, 0.01)]
    b = build_baseline(raw)
    s = score(PoseSample(front_pose(head_drop=0.25, neck_ratio=0.48).landmarks), b)
    assert s.trunk_deg is not None and s.trunk_deg > 15


def test_sensitivity_orders_thresholds_and_spread_raises_them() -> None:
    hi, med, lo = (
        Thresholds.for_sensitivity(s).enter for s in (Sensitivity.HIGH, Sensitivity.MEDIUM, Sensitivity.LOW)
    )
    assert lo > med > hi
    assert Thresholds.for_sensitivity().exit < med
    quiet = build_baseline([side_pose(0)] * 3)
    noisy = build_baseline([side_pose(d) for d in (-12, 0, 12, -10, 10)])
    s_quiet, s_noisy = score(side_pose(16), quiet), score(side_pose(16), noisy)
    assert s_quiet.index is not None and s_noisy.index is not None
    assert s_noisy.index < s_quiet.index  # a fidgety calibration raises the bar


def test_front_noise_raises_threshold_only_beyond_the_floor() -> None:
    steady = build_baseline([front_pose(head_drop=d) for d in (-0.005, 0.0, 0.005, 0.0, 0.002)])
    jittery = build_baseline(
        [front_pose(head_drop=d, neck_ratio=0.6 + d) for d in (-0.1, 0.0, 0.1, -0.08, 0.08)]
    )
    probe = front_pose(neck_ratio=0.6 * 0.8)
    a, b = score(probe, steady), score(probe, jittery)
    assert a.index is not None and b.index is not None
    assert b.index < a.index
    # Noise below the floor changes nothing.
    calm = build_baseline([front_pose(head_drop=d) for d in (-0.01, 0.0, 0.01, 0.0, 0.005)])
    assert score(probe, calm).index == pytest.approx(a.index, rel=0.02)


def test_hysteresis_keeps_slump_until_exit_threshold() -> None:
    th = Thresholds.for_sensitivity()
    s = score(side_pose(12))  # uncalibrated: 12 of 20 degrees, index 0.6
    assert is_slumped(s, th, currently_slumped=False) is False
    assert is_slumped(score(side_pose(15)), th, currently_slumped=True) is True
    assert is_slumped(s, th, currently_slumped=True) is False


def test_build_baseline_refuses_nothing() -> None:
    with pytest.raises(ValueError):
        build_baseline([])


def test_slump_side_noise_sees_the_upper_tail_and_not_the_lower() -> None:
    from slumpwatch.scoring import robust_sigma, slump_side_sigma

    core = [0.0, 0.01, -0.01, 0.005, -0.005, 0.002, -0.002, 0.008, -0.008, 0.0]
    assert slump_side_sigma(core) == pytest.approx(robust_sigma(core), rel=0.1)  # normal noise: alike
    # Upright frames that strayed towards a slump (10% of them) widen the noise; a stray the other
    # way (the head higher) does not.
    towards = core * 2 + [0.3, 0.3, 0.3]
    away = core * 2 + [-0.3, -0.3, -0.3]
    assert slump_side_sigma(towards) > 3 * robust_sigma(towards)
    assert slump_side_sigma(away) == pytest.approx(robust_sigma(away))
