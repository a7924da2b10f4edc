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


def _on_scale(src: Path, dst: Path, factor: float, model: str | None) -> None:
    """``src`` with every confidence multiplied by ``factor`` and the header naming ``model``."""
    lines = [json.loads(line) for line in src.read_text().splitlines()]
    out = []
    for rec in lines:
        if "format" in rec and "landmarks" not in rec:
            if model is None:
                continue
            rec["model"] = model
        for points in (rec.get("landmarks"), rec.get("world")):
            for v in (points or {}).values():
                v[3:] = [c * factor for c in v[3:]]
        out.append(json.dumps(rec))
    dst.write_text("\n".join(out) + "\n")


@pytest.mark.parametrize("model", ["movenet", None])
def test_another_estimators_confidence_scale_is_read_on_its_own_terms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], model: str | None
) -> None:
    """MoveNet and others score good points at 0.3 to 0.6: such a recording is scored as if its
    confidences were MediaPipe's, instead of every point falling below the 0.5 threshold."""
    rec, low = tmp_path / "rec.jsonl", tmp_path / "low.jsonl"
    _write_recording(rec)
    _on_scale(rec, low, 0.4, model)
    runs = []
    for path in (rec, low):
        assert main(["evaluate", str(path), "--calibrated", "--json"]) == 0
        runs.append(json.loads(capsys.readouterr().out)["calibrated"]["slices"])
    assert runs[0] == runs[1]
    assert runs[1][0]["n"] == 9


def test_a_mediapipe_recordings_confidences_are_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Low confidence from slumpwatch's own model means what it says: those points are not used."""
    rec, low = tmp_path / "rec.jsonl", tmp_path / "low.jsonl"
    _write_recording(rec)
    _on_scale(rec, low, 0.4, "pose_landmarker_full.task")
    assert main(["evaluate", str(low), "--calibrated", "--json"]) == 0
    slices = json.loads(capsys.readouterr().out)["calibrated"]["slices"]
    assert all(s["n"] == 0 for s in slices)


def test_a_point_far_below_the_recordings_typical_confidence_is_still_doubted(tmp_path: Path) -> None:
    from slumpwatch.geometry import MIN_CONFIDENCE
    from slumpwatch.recording import read_recording, survey_recording

    rec = tmp_path / "movenet.jsonl"
    frame = {
        "nose": [0.5, 0.3, 0, 0.45],
        "left_ear": [0.58, 0.28, 0, 0.15],
        "right_ear": [0.42, 0.28, 0, 0.4],
    }
    shoulders = {"left_shoulder": [0.7, 0.6, 0, 0.4], "right_shoulder": [0.3, 0.6, 0, 0.4]}
    rec.write_text(json.dumps({"t": 0, "landmarks": {**frame, **shoulders}}) + "\n")
    assert survey_recording(rec).confidence_scale == pytest.approx(2.5)
    (sample,) = [f.sample for f in read_recording(rec)]
    assert sample is not None
    assert sample.landmarks["left_shoulder"].confidence == pytest.approx(1.0)
    assert sample.landmarks["nose"].confidence == pytest.approx(1.0)
    ears = sample.landmarks["left_ear"], sample.landmarks["right_ear"]
    assert ears[0].confidence < MIN_CONFIDENCE <= ears[1].confidence


def test_labels_are_read_whatever_their_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec, shouted = tmp_path / "rec.jsonl", tmp_path / "shouted.jsonl"
    _write_recording(rec)
    lines = [json.loads(line) for line in rec.read_text().splitlines()]
    for r in lines:
        if "label" in r:
            r["label"] = f" {r['label'].upper()} "
    shouted.write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    runs = []
    for path in (rec, shouted):
        assert main(["evaluate", str(path), "--calibrated", "--json"]) == 0
        runs.append(json.loads(capsys.readouterr().out)["calibrated"]["slices"])
    assert runs[0] == runs[1]
    assert sum(s["n"] for s in runs[1]) == 14
