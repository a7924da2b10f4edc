"""End to end on the real model and the real labelled photos in ../shared/frames."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from slumpwatch.cli import main
from slumpwatch.pose import BUNDLED_MODEL, BUNDLED_MODEL_SHA256

pytestmark = pytest.mark.model


def test_bundled_model_is_the_reproducible_build() -> None:
    assert hashlib.sha256(BUNDLED_MODEL.read_bytes()).hexdigest() == BUNDLED_MODEL_SHA256


@pytest.fixture(scope="module")
def analysed() -> dict[str, dict[str, object]]:
    from .conftest import SHARED

    if not (SHARED / "labels.csv").is_file():
        pytest.skip(f"real test frames not found at {SHARED}")
    rows = [
        r
        for r in csv.DictReader((SHARED / "labels.csv").read_text().splitlines())
        if not r["file"].endswith(".gif")
    ]
    out = subprocess.run(
        [sys.executable, "-m", "slumpwatch", "analyze", "--json", *[str(SHARED / r["file"]) for r in rows]],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stderr == "", "MediaPipe log spam reached the terminal: " + out.stderr[:300]
    results = {Path(json.loads(line)["file"]).name: json.loads(line) for line in out.stdout.splitlines()}
    return {r["file"]: {**results[Path(r["file"]).name], "label": r["label"]} for r in rows}


def test_person_found_in_at_least_95_percent(analysed: dict[str, dict[str, object]]) -> None:
    found = sum(bool(r["person"]) for r in analysed.values())
    assert found / len(analysed) >= 0.95


def test_side_slumped_trunk_exceeds_every_upright(analysed: dict[str, dict[str, object]]) -> None:
    side = [r for f, r in analysed.items() if f.startswith("side/")]
    assert all(r["view"] == "side" for r in side)
    slumped = [float(r["trunk_deg"]) for r in side if r["label"] == "slumped"]  # type: ignore[arg-type]
    upright = [float(r["trunk_deg"]) for r in side if r["label"] == "upright"]  # type: ignore[arg-type]
    assert slumped and upright
    assert min(slumped) > max(upright)


def test_front_frames_are_front_view(analysed: dict[str, dict[str, object]]) -> None:
    front = [r for f, r in analysed.items() if f.startswith("front/")]
    assert sum(r["view"] == "front" for r in front) >= 0.95 * len(front)


def test_evaluate_meets_the_accuracy_targets(shared_frames: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(shared_frames / "labels.csv"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    cal = {(s["subject"], s["session"]): s for s in data["calibrated"]["slices"]}
    assert cal[("front-1", "A")]["accuracy"] == 1.0
    assert cal[("front-1", "B")]["accuracy"] >= 0.97
    assert cal[("side-1", "A")]["accuracy"] == 1.0
    for s in data["calibrated"]["slices"]:
        assert s["false_alarm_rate"] in (0.0, None)
    assert "slumped" not in cal[("side-1", "A")]["other_labels"]["reclined"]
    unc = {(s["subject"], s["session"]): s for s in data["uncalibrated"]["slices"]}
    assert unc[("side-1", "A")]["accuracy"] >= 0.9
    assert "slumped" not in unc[("side-1", "A")]["other_labels"]["reclined"]
    # The gif: head mostly out of frame, banner icon under a covering hand: no verdicts at all.
    gif = cal[("side-2", "A")]
    assert gif["other_labels"] == {"mixed": {"no usable pose": 1}}
    assert any(n.startswith("framing unusable") for n in gif["notes"])


def test_annotate_writes_frames(shared_frames: Path, tmp_path: Path) -> None:
    import cv2

    assert main(["analyze", str(shared_frames / "side" / "hunchback.jpg"), "--annotate", str(tmp_path)]) == 0
    out = tmp_path / "hunchback.annotated.jpg"
    img = cv2.imread(str(out))
    orig = cv2.imread(str(shared_frames / "side" / "hunchback.jpg"))
    assert img is not None and img.shape == orig.shape
    assert (img != orig).any()
    # Annotating into the input's own folder never replaces the photo (or an earlier copy).
    photo = tmp_path / "hunchback.jpg"
    photo.write_bytes((shared_frames / "side" / "hunchback.jpg").read_bytes())
    before = photo.read_bytes(), out.read_bytes()
    assert main(["analyze", str(photo), "--annotate", str(tmp_path)]) == 0
    assert (photo.read_bytes(), out.read_bytes()) == before
    assert (tmp_path / "hunchback.annotated-2.jpg").is_file()


def test_gif_says_framing_unusable(shared_frames: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(shared_frames / "video" / "side_slump_then_upright.gif"), "--json"]) == 0
    cap = capsys.readouterr()
    rows = [json.loads(x) for x in cap.out.splitlines()]
    assert len(rows) == 58
    late = [r for r in rows if r["t"] >= 7.0]
    assert not any(r["person"] for r in late), "banner icon taken for a person"
    assert "framing unusable" in cap.err
