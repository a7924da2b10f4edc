"""A missing camera is one line on stderr that says what was tried and what to do; never
OpenCV's own log. There is no webcam where the tests run (camera 7 is never there)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from slumpwatch.sources import camera_problem

OPENCV = re.compile(r"\[ ?(WARN|ERROR|INFO)|cv::|OpenCV|VIDEOIO|obsensor|cap_v4l|index out of range")


def _cli() -> list[str]:
    script = shutil.which("slumpwatch", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "slumpwatch"]


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--camera", "7"],
        ["run"],
        ["run", "--interval", "30s"],  # exits like plain run, instead of retrying forever
        ["calibrate", "--camera", "7"],
        ["calibrate"],
        ["record", "out.jsonl", "--camera", "7"],
        ["record", "out.jsonl"],
    ],
    ids=lambda a: " ".join(a),
)
def test_missing_camera_is_at_most_two_lines(tmp_path: Path, args: list[str]) -> None:
    if any(Path("/dev").glob("video*")) and "7" not in args:
        pytest.skip("this machine has a video device")
    env = {**os.environ, "SLUMPWATCH_HOME": str(tmp_path / "home")}
    db = ["--db", str(tmp_path / "log.sqlite3")] if args[0] == "run" else []
    proc = subprocess.run(
        [*_cli(), *args, *db],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    err = proc.stderr.strip().splitlines()
    assert proc.returncode == 3, proc.stderr
    assert 1 <= len(err) <= 2, proc.stderr
    assert not any(OPENCV.search(line) for line in err), proc.stderr
    assert re.match(r"slumpwatch: camera \d+ ", err[-1])
    assert "/dev/video" in err[-1] and ("--camera" in err[-1] or "--source" in err[-1])
    assert not (tmp_path / "out.jsonl").exists()


def test_the_line_names_what_was_tried_and_what_to_do(tmp_path: Path) -> None:
    dev = tmp_path / "dev"
    dev.mkdir()
    assert "no /dev/video* device" in str(camera_problem(0, dev))
    for name in ("video0", "video2", "video10"):
        (dev / name).touch()
    missing = camera_problem(7, dev)
    assert f"no {dev / 'video7'}" in str(missing)
    assert missing.hint == "pass --camera N with N one of 0, 2, 10"
    busy = camera_problem(2, dev)
    assert "would not open" in str(busy) and "other programs" in busy.hint and "0, 10" in busy.hint
    assert "did not open" in str(camera_problem(0, tmp_path / "no-dev"))
