from __future__ import annotations

import json
from pathlib import Path

import pytest

from slumpwatch.cli import main
from slumpwatch.recording import RecordingWriter

from .conftest import front_pose, side_pose


def _write_recording(path: Path) -> None:
    with path.open("w") as f:
        w = RecordingWriter(f, model="test")
        t = 0.0
        for d in (-0.01, 0.0, 0.01, 0.005, -0.005, 0.0):
            w.write(
                t,
                front_pose(head_drop=d, neck_ratio=0.6 + d),
                "upright",
                subject="p1",
                session="A",
                view="front",
            )
            t += 1
        for d in (0.2, 0.25, 0.22):
            w.write(
                t, front_pose(head_drop=d, neck_ratio=0.5), "slumped", subject="p1", session="A", view="front"
            )
            t += 1
        # A mirrored, head-and-shoulders-only person.
        for d in (-0.01, 0.0, 0.01, 0.0):
            w.write(
                t,
                front_pose(head_drop=d, only_head=True).mirrored(),
                "upright",
                subject="p2",
                session="A",
                view="front",
            )
            t += 1
        w.write(
            t,
            front_pose(head_drop=0.3, neck_ratio=0.45, only_head=True).mirrored(),
            "slumped",
            subject="p2",
            session="A",
            view="front",
        )
        w.write(t + 1, None, "upright", subject="p2", session="A", view="front")
        w.write(t + 2, side_pose(-30), "reclined", subject="p3", session="A", view="side")


def test_evaluate_recording_known_answers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec = tmp_path / "rec.jsonl"
    _write_recording(rec)
    assert main(["evaluate", str(rec), "--calibrated", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)["calibrated"]
    by = {(s["subject"], s["view"]): s for s in data["slices"]}
    p1, p2 = by[("p1", "front")], by[("p2", "front")]
    assert (p1["n"], p1["accuracy"], p1["slumped_recall"], p1["false_alarm_rate"]) == (9, 1.0, 1.0, 0.0)
    assert (p2["n"], p2["accuracy"], p2["no_pose"]) == (5, 1.0, 1)
    assert by[("p3", "side")]["other_labels"] == {"reclined": {"no usable pose": 1}}


def test_evaluate_csv_of_recordings_and_wrong_labels_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = tmp_path / "rec.jsonl"
    with rec.open("w") as f:
        w = RecordingWriter(f)
        for t, deg, label in [
            (0, -10, "upright"),
            (1, -11, "upright"),
            (2, -9, "upright"),
            (3, 30, "upright"),
            (4, -30, "reclined"),
        ]:
            w.write(t, side_pose(deg), label)
    csv = tmp_path / "labels.csv"
    csv.write_text("file,label,view,subject,session,extra\nrec.jsonl,upright,side,s,A,x\n")
    assert main(["evaluate", str(csv), "--uncalibrated", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)["uncalibrated"]
    s = data["slices"][0]
    assert (s["n"], s["false_alarm_rate"]) == (4, 0.25)
    assert s["other_labels"] == {"reclined": {"upright": 1}}


def test_evaluate_rejects_csv_without_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("path,posture\nx.jpg,upright\n")
    assert main(["evaluate", str(csv)]) == 2
    err = capsys.readouterr().err
    assert "needs 'file' and 'label' columns" in err and len(err.strip().splitlines()) == 1


def test_evaluate_bad_recording_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec = tmp_path / "r.jsonl"
    rec.write_text('{"t": 0, "landmarks": {"nose": [0.5]}}\n')
    assert main(["evaluate", str(rec)]) == 2
    assert "r.jsonl:1: bad recording line" in capsys.readouterr().err
