from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from slumpwatch.calibration import Observation, calibrate
from slumpwatch.cli import main
from slumpwatch.config import load
from slumpwatch.errors import ConfigError, ProfileError
from slumpwatch.landmarks import Landmark, PoseSample

from .conftest import ROOT, front_pose


def test_missing_camera_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["run", "--camera", "9", "--db", str(tmp_path / "x.db"), "--quiet", "--uncalibrated"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("slumpwatch: camera 9 ")


@pytest.mark.parametrize(
    ("observations", "reason"),
    [
        ([Observation(128, [])] * 10, "nobody found"),
        ([Observation(5, [front_pose()])] * 10, "too dark"),
        ([Observation(128, [front_pose(), front_pose(shift_x=100)])] * 10, "two people"),
        ([Observation(128, [front_pose(head_drop=0.4 * (i % 2))]) for i in range(10)], "moving too much"),
        ([Observation(128, [front_pose(shoulder_y=1.1)])] * 10, "out of frame"),
    ],
)
def test_calibration_refusals_say_why(observations: list[Observation], reason: str) -> None:
    with pytest.raises(ProfileError, match=reason) as info:
        calibrate(observations)
    assert info.value.hint


def test_calibration_accepts_a_steady_upright_person() -> None:
    b = calibrate([Observation(128, [front_pose(head_drop=0.002 * i)]) for i in range(10)])
    assert b.view.value == "front" and "head_y@ears" in b.signals


def test_calibrate_from_recording_and_profile_roundtrip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "p.json"
    rec = ROOT / "sample_frames" / "side_desk.jsonl"
    assert main(["calibrate", "--source", str(rec), "--seconds", "20", "--output", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["schema"] == 2 and data["view"] == "side" and "trunk_deg" in data["signals"]


def test_config_layers_and_validation(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('sensitivity = "high"\ncooldown_s = 120\nquiet_hours = "22:00-07:00"\n')
    cfg, src = load(path, {"cooldown_s": 60.0, "camera": None})
    assert cfg.sensitivity == "high" and src["sensitivity"] == str(path)
    assert cfg.cooldown_s == 60.0 and src["cooldown_s"] == "command line"
    assert src["onset_s"] == "default"
    for bad, msg in [
        ("onset_s = -1", "out of range"),
        ('sensitivity = "max"', "invalid"),
        ("nope = 1", "unknown key"),
        ('quiet_hours = "late"', "HH:MM"),
        ("onset_s = [", "not valid TOML"),
    ]:
        path.write_text(bad + "\n")
        with pytest.raises(ConfigError, match=msg):
            load(path)


def test_config_command_shows_sources(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "--sensitivity", "low"]) == 0
    out = capsys.readouterr().out
    assert 'sensitivity = "low"    # from command line' in out
    assert "onset_s = 20.0    # from default" in out


def test_demo_tells_the_whole_story(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from slumpwatch.notify.exercises import BY_KEY

    t0 = time.monotonic()
    assert main(["demo", "--output-dir", str(tmp_path)]) == 0
    assert time.monotonic() - t0 < 60
    out = capsys.readouterr().out
    assert "warning: Sit back in your chair." in out  # a nudge
    escalation = re.search(r"warning: Time to straighten up\. .* Try: ([^(]+) \(", out)
    assert escalation, out  # an escalation to an exercise of the guide, with all its steps
    exercise = next(e for e in BY_KEY.values() if e.name == escalation.group(1))
    assert exercise.key != "sit-back"
    for i, step in enumerate(exercise.steps, 1):
        assert f"{i}. {step}" in out
    assert "Posture report for" in out and "slump episodes" in out
    assert (tmp_path / "report.html").is_file() and (tmp_path / "week.html").is_file()
    assert (tmp_path / "report.html").as_uri() in out


def test_replay_export_forget(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "log.sqlite3")
    rec = str(ROOT / "sample_frames" / "front_desk.jsonl")
    prof = str(ROOT / "calibration" / "front_desk.json")
    assert main(["replay", rec, "--db", db, "--profile-file", prof, "--quiet"]) == 0
    capsys.readouterr()
    assert main(["export", "spans", "--db", db, "--format", "json"]) == 0
    spans = json.loads(capsys.readouterr().out)
    assert {s["state"] for s in spans} >= {"upright", "slumped", "away"}
    assert main(["export", "alerts", "--db", db]) == 0
    assert capsys.readouterr().out.startswith("t,kind,exercise,route")
    assert main(["forget", "--before", "2999-01-01", "--db", db]) == 2  # no terminal to ask
    assert main(["forget", "--before", "2999-01-01", "--db", db, "--yes"]) == 0
    assert f"deleted {len(spans)} spans" in capsys.readouterr().out
    assert main(["forget", "--before", "someday", "--db", db]) == 2


def test_record_writes_landmarks_only(tmp_path: Path, shared_frames: Path) -> None:
    out = tmp_path / "r.jsonl"
    assert main(["record", str(out), "--source", str(shared_frames / "side"), "--label", "x"]) == 0
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert lines[0]["format"] == "slumpwatch-landmarks"
    frames = lines[1:]
    assert len(frames) == 13 and all(f["label"] == "x" for f in frames)
    assert all(set(f) <= {"t", "size", "people", "landmarks", "world", "label"} for f in frames)


def test_autostart_linux_unit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from slumpwatch import autostart

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    path = autostart.install("linux")
    text = path.read_text()
    assert path == tmp_path / "systemd" / "user" / "slumpwatch.service"
    assert "ExecStart=" in text and "-m slumpwatch run --quiet" in text and "WantedBy=default.target" in text
    assert "ProgramArguments" in autostart.content("darwin")
    assert autostart.remove("linux") == path and not path.exists()


def test_doctor_reports_route(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    assert main(["doctor"]) == 0
    cap = capsys.readouterr()
    assert "test notification sent through: console" in cap.out
    assert "slumpwatch test" in cap.err


def test_person_with_only_head_and_shoulders_landmarks_recording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Another tool's recording: normalised coordinates, no size, only a few names, [x, y] pairs.
    rec = tmp_path / "other.jsonl"
    lines = []
    for drop in [0.0, 0.01, -0.01, 0.0, 0.3, 0.32]:
        s = front_pose(head_drop=drop, neck_ratio=0.6 if drop < 0.1 else 0.45, only_head=True)
        lm = {k: [round(v.x, 4), round(v.y, 4)] for k, v in s.landmarks.items() if k != "nose"}
        lines.append(json.dumps({"landmarks": lm, "label": "upright" if drop < 0.1 else "slumped"}))
    rec.write_text("\n".join(lines) + "\n")
    assert main(["evaluate", str(rec), "--calibrated", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)["calibrated"]["overall"]
    assert res["n"] == 6 and res["accuracy"] == 1.0
    assert PoseSample({"nose": Landmark(0.5, 0.5)}).get("nose") is not None
