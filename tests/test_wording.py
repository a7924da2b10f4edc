"""What people read outside the report: warnings, the status line, annotated images."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from slumpwatch.cli.output import status_text
from slumpwatch.monitor import Status
from slumpwatch.notify.policy import AlertPolicy
from slumpwatch.state import State

from .conftest import ROOT

NOON = datetime(2026, 12, 1, 12, 0)


def test_only_a_personal_baseline_is_your_upright_posture() -> None:
    mine = AlertPolicy().decide(0.0, NOON, 25, 18)
    absolute = AlertPolicy().decide(0.0, NOON, 25, 18, personal=False)
    no_angle = AlertPolicy().decide(0.0, NOON, -5, -3)
    assert mine is not None and "18 degrees forward of your upright posture" in mine.body
    assert absolute is not None and "your upright posture" not in absolute.body
    assert "leaning 18 degrees forward" in absolute.body
    assert no_angle is not None and no_angle.body.startswith("Slumped for 0 s. ")
    assert "-" not in no_angle.body.split(".")[0]


def test_an_uncalibrated_side_replay_never_speaks_of_your_upright_posture() -> None:
    from slumpwatch.app import build_monitor, build_notifier, replay_into
    from slumpwatch.config import Config

    cfg = Config(cooldown_s=30, escalate_after_s=45)
    warnings: list[str] = []
    monitor = build_monitor(cfg, None, None, build_notifier(cfg, warnings), "test")
    replay_into(monitor, ROOT / "sample_frames" / "side_desk.jsonl", 1_000_000.0, 0.0)
    assert warnings
    assert not any("your upright posture" in w for w in warnings)


@pytest.mark.parametrize(
    ("since", "t", "expected"),
    [(100.0, 71.0, "for 0 s,"), (0.0, 1.0, "for 1 s,"), (0.0, 95.0, "for 1 min 35 s,")],
)
def test_status_durations_are_never_negative(since: float, t: float, expected: str) -> None:
    line = status_text(Status(State.SLUMPED, since, 12.0, True, basis="calibrated", t=t))
    assert expected in line and "-" not in line.split("trunk")[0]


def test_status_learning_countdown_is_singular_or_plural() -> None:
    one = status_text(Status(State.LEARNING, 0.0, None, False, learning_left=1, t=1.0))
    many = status_text(Status(State.LEARNING, 0.0, None, False, learning_left=2, t=1.0))
    assert "1 more sample " in one and "2 more samples " in many


def _text_box(img: np.ndarray) -> tuple[int, int]:
    """(height, width) of the drawn pixels."""
    ys, xs = np.nonzero(np.any(img != img[-1, -1], axis=2))
    return int(ys.max() - ys.min()), int(xs.max() - xs.min())


@pytest.mark.parametrize("background", [255, 0])
def test_annotation_text_scales_with_the_image_and_reads_on_any_background(background: int) -> None:
    from slumpwatch.annotate import draw

    small = draw(np.full((480, 640, 3), background, np.uint8), None, None, "slumped 30 deg")
    large = draw(np.full((1440, 1920, 3), background, np.uint8), None, None, "slumped 30 deg")
    (hs, ws), (hl, wl) = _text_box(small), _text_box(large)
    assert hl / hs == pytest.approx(3, rel=0.2) and wl / ws == pytest.approx(3, rel=0.2)
    assert hs >= 0.025 * 480  # not tiny
    for img in (small, large):
        region = img[: int(0.1 * img.shape[0]), : img.shape[1] // 2]
        assert (region == 0).all(axis=2).sum() > 50  # a black outline
        assert (region == 255).all(axis=2).sum() > 50  # and white letters


def test_annotate_keeps_other_pixels(tmp_path: Path) -> None:
    from slumpwatch.annotate import draw

    frame = np.full((480, 640, 3), 128, np.uint8)
    out = draw(frame, None, None, "note")
    assert (frame == 128).all() and (out[-50:] == 128).all()
