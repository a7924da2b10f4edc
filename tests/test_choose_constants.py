"""The constant-choosing tool's own logic: the noise estimators it weighs, and the choice that is
made on the other sessions only."""

from __future__ import annotations

import importlib.util
import random
import sys
from types import ModuleType

import pytest

from slumpwatch.scoring import FRONT, FrontConstants

from .conftest import ROOT


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("choose_constants", ROOT / "tools" / "choose_constants.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["choose_constants"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_jitter_noise_counts_frame_to_frame_noise_and_not_a_shift_between_runs(tool: ModuleType) -> None:
    rng = random.Random(3)
    run = [rng.gauss(0.0, 0.01) for _ in range(200)]
    shifted = run[:100] + [v + 0.2 for v in run[100:]]  # a second upright run, sat differently
    jitter, slump_side = tool.ESTIMATORS["jitter"], tool.ESTIMATORS["slump-side"]
    assert jitter(run) == pytest.approx(0.01, rel=0.25)
    assert jitter(shifted) == pytest.approx(jitter(run), rel=0.05)
    assert slump_side(shifted) > 5 * slump_side(run)  # the shipped estimator sees the shift


def test_the_choice_is_the_best_mean_on_the_kept_sessions_and_ties_keep_the_shipped(tool: ModuleType) -> None:
    shipped = (tool.SHIPPED_ESTIMATOR, FRONT)
    other = ("jitter", FrontConstants(neck_floor=0.15))
    table = {
        shipped: {("a", "loo"): 0.9, ("b", "loo"): 0.9, ("c", "loo"): 0.5},
        other: {("a", "loo"): 0.9, ("b", "loo"): 0.9, ("c", "loo"): 0.99},
    }
    assert tool.choose(table, ["a", "b"]) == shipped  # a tie: the fewest changes win
    assert tool.choose(table, ["a", "c"]) == other


def test_the_simple_rule_calls_a_nose_ratio_15_percent_short_slumped_and_skips_frames_without_a_nose(
    tool: ModuleType,
) -> None:
    frames = [
        tool.Frame("slumped", {}, {}, 0.16),  # caught
        tool.Frame("slumped", {}, {}, 0.14),  # missed: short of 15%
        tool.Frame("upright", {}, {}, 0.02),
        tool.Frame("upright", {}, {}, None),  # no nose: not scored, not a false alarm
        tool.Frame("reclined", {}, {}, 0.5),  # not a figure's negative
    ]
    assert tool.simple_rule(frames) == pytest.approx((1 / 2 + 1 / 1) / 2)
    frames.append(tool.Frame("upright", {}, {}, 0.15))  # exactly 0.85 x upright: not below it
    assert tool.simple_rule(frames) == pytest.approx((1 / 2 + 2 / 2) / 2)
    frames.append(tool.Frame("upright", {}, {}, 0.151))  # a false alarm
    assert tool.simple_rule(frames) == pytest.approx((1 / 2 + 2 / 3) / 2)
