from __future__ import annotations

import pytest

from slumpwatch.geometry import View
from slumpwatch.scoring import (
    HEAD_HEIGHT_SW,
    Sensitivity,
    Thresholds,
    build_baseline,
    drop_to_deg,
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
    th = Thresholds.for_baseline(b)
    assert is_slumped(score(side_pose(-30, -1), b), th) is False
    assert is_slumped(score(side_pose(25, -1), b), th) is True


def test_uncalibrated_side_uses_absolute_iso_band() -> None:
    th = Thresholds.for_baseline(None)
    assert th.enter_deg == 20.0
    assert is_slumped(score(side_pose(25)), th) is True
    assert is_slumped(score(side_pose(10)), th) is False
    assert score(side_pose(10)).calibrated is False


def test_drop_to_deg_inverts_pivot_model() -> None:
    import math

    for deg in (5.0, 20.0, 40.0):
        drop = HEAD_HEIGHT_SW * (1 - math.cos(math.radians(deg)))
        assert drop_to_deg(drop) == pytest.approx(deg, abs=1e-6)
    assert drop_to_deg(-0.1) < 0


def test_front_head_drop_and_neck_shortening_score_forward() -> None:
    ups = [front_pose(head_drop=d, neck_ratio=0.6 + d / 4) for d in (-0.01, 0.0, 0.01, 0.005)]
    b = build_baseline(ups)
    assert b.view is View.FRONT
    th = Thresholds.for_baseline(b)
    upright = score(front_pose(), b)
    slumped = score(front_pose(head_drop=0.2, neck_ratio=0.5), b)
    assert upright.trunk_deg is not None and abs(upright.trunk_deg) < 3
    assert slumped.trunk_deg is not None and slumped.trunk_deg > th.enter_deg
    assert "head drop (ears)" in slumped.evidence


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
    b = build_baseline([side_pose(0)] * 3)
    lo, med, hi = (Thresholds.for_baseline(b, s).enter_deg for s in Sensitivity)
    assert lo > med > hi
    noisy = build_baseline([side_pose(d) for d in (-12, 0, 12, -10, 10)])
    assert Thresholds.for_baseline(noisy).enter_deg > med
    assert Thresholds.for_baseline(b).exit_deg < med


def test_hysteresis_keeps_slump_until_exit_threshold() -> None:
    th = Thresholds(15.0, 10.0)
    s = score(side_pose(12))
    assert is_slumped(s, th, currently_slumped=False) is False
    assert is_slumped(s, th, currently_slumped=True) is True


def test_build_baseline_refuses_nothing() -> None:
    with pytest.raises(ValueError):
        build_baseline([])
