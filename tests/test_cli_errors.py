from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from slumpwatch.cli import main


def test_bad_inputs_one_line_each_and_exit_only_if_nothing_analysed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shared_frames: Path
) -> None:
    good = shared_frames / "front" / "hn_notSlouching_sample-1542640808958-0.jpg"
    truncated = tmp_path / "trunc.jpg"
    truncated.write_bytes(good.read_bytes()[:200])
    text = tmp_path / "notes.jpg"
    text.write_text("hello")
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = tmp_path / "missing.jpg"
    assert main(["analyze", str(truncated), str(text), str(empty), str(missing)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 5  # one per bad input, then the summary
    assert any("trunc.jpg" in e for e in err) and any("notes.jpg" in e for e in err)
    assert any("no images or videos" in e for e in err) and any("no such file" in e for e in err)
    assert main(["analyze", str(truncated), str(good)]) == 0


def test_missing_profile_and_broken_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from slumpwatch.calibration import load_profile
    from slumpwatch.errors import ProfileError

    with pytest.raises(ProfileError, match="no calibration profile"):
        load_profile(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": 1, "view": "front"}')
    with pytest.raises(ProfileError, match="not a valid calibration profile"):
        load_profile(bad)
    assert bad.read_text() == '{"schema": 1, "view": "front"}'


def test_missing_model_is_clear(capsys: pytest.CaptureFixture[str], shared_frames: Path) -> None:
    assert main(["analyze", "--model", "/nope.task", str(shared_frames / "side")]) == 4
    assert "pose model not found" in capsys.readouterr().err


def test_console_script_smoke() -> None:
    script = Path(sys.executable).with_name("slumpwatch")
    if not script.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    out = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True)
    assert "analyze" in out.stdout and "evaluate" in out.stdout
    out = subprocess.run([str(script), "exercises"], capture_output=True, text=True, check=True)
    assert "Puppy Pose" in out.stdout


def test_import_is_light() -> None:
    code = "import sys, slumpwatch, slumpwatch.cli; print('mediapipe' in sys.modules, 'cv2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
