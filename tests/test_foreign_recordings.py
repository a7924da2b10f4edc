"""Other tools' landmark recordings: their spellings and units give the same verdicts as ours.

Each case rewrites a recording the way another tool might have written it (names in capitals or
OpenPose's, 17 COCO rows, pixel coordinates, several sessions each with its own clock) and checks
that ``evaluate`` scores exactly the same frames the same way. Inputs that cannot be read that way
get a one-line error with what to do, never an empty table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from slumpwatch.cli import main
from slumpwatch.errors import InputError
from slumpwatch.recording import COCO_NAMES, read_recording

from .test_evaluate import _write_recording

Points = dict[str, list[float]]


def _rewrite(src: Path, dst: Path, points: Callable[[Points], Any], **extra: Any) -> None:
    out = []
    for line in src.read_text().splitlines():
        rec = json.loads(line)
        if rec.get("landmarks"):
            rec["landmarks"] = points(rec["landmarks"])
        rec.pop("world", None)
        rec.update(extra)
        out.append(json.dumps(rec))
    dst.write_text("\n".join(out) + "\n")


def _without_header(path: Path) -> Path:
    """The test recording as another tool would write it: our own recordings are read as they are,
    and another tool's header (if any) names no MediaPipe model."""
    _write_recording(path)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[1:]) + "\n")
    return path


def _slices(path: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    assert main(["evaluate", str(path), "--calibrated", "--json"]) == 0
    slices: list[dict[str, Any]] = json.loads(capsys.readouterr().out)["calibrated"]["slices"]
    return slices


def _openpose(name: str) -> str:
    for side, short in (("left_", "L"), ("right_", "R")):
        if name.startswith(side):
            return short + name[len(side) :].title().replace("_", "")
    return name.title()


def _pixels(points: Points, w: float, h: float) -> Points:
    return {n: [v[0] * w, v[1] * h, *v[2:]] for n, v in points.items()}


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(w.title() for w in rest)


def _with_nulls(points: Points) -> dict[str, Any]:
    """As pandas and others write points not seen: null, empty, null coordinates, null confidence."""
    out: dict[str, Any] = {n: [*v[:3], None, None] if len(v) >= 3 else v for n, v in points.items()}
    return out | {"left_hip": None, "right_hip": [], "left_knee": {}, "right_knee": [None, None, None]}


def _movenet_scale(points: Points) -> Points:
    """Confidences as MoveNet gives them: shoulders about 0.55, head points about 0.4."""
    return {n: [*v[:3], 0.55 if "shoulder" in n else 0.4] for n, v in points.items()}


REWRITES: dict[str, Callable[[Points], Any]] = {
    "camel": lambda p: {_camel(n): v for n, v in p.items()},
    "nulls": _with_nulls,
    "movenet-scale": _movenet_scale,
    "capitals": lambda p: {n.upper(): v for n, v in p.items()},
    "words": lambda p: {n.replace("_", " ").title(): v for n, v in p.items()},
    "openpose": lambda p: {_openpose(n): v for n, v in p.items()},
    "coco17": lambda p: [p.get(n) for n in COCO_NAMES],
    "pixels": lambda p: _pixels(p, 640, 480),
}


@pytest.mark.parametrize("case", sorted(REWRITES))
def test_another_tools_spelling_and_units_give_the_same_verdicts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    ours, theirs = _without_header(tmp_path / "ours.jsonl"), tmp_path / "theirs.jsonl"
    _rewrite(ours, theirs, REWRITES[case])
    expected = _slices(ours, capsys)
    assert sum(s["n"] for s in expected) == 14
    assert _slices(theirs, capsys) == expected


def test_pixel_coordinates_with_the_image_size_are_read_as_pixels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ours, theirs = _without_header(tmp_path / "ours.jsonl"), tmp_path / "theirs.jsonl"
    _rewrite(ours, theirs, lambda p: _pixels(p, 1280, 720), size=[1280, 720])
    (sample, *_) = [f.sample for f in read_recording(theirs) if f.sample is not None]
    assert sample.image_size == (1280, 720)
    assert 0.0 < sample.landmarks["nose"].x < 1.0
    expected = _slices(ours, capsys)
    assert _slices(theirs, capsys) == expected


def test_sessions_with_their_own_clocks_are_all_scored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two sessions in one file, each starting at t = 0: the second is not 'time going backwards'."""
    one, both = tmp_path / "one.jsonl", tmp_path / "both.jsonl"
    _write_recording(one)
    lines = [json.loads(line) for line in one.read_text().splitlines()]
    frames = [r for r in lines if "landmarks" in r]
    with both.open("w") as f:
        for session in ("A", "B"):
            for r in frames:
                f.write(json.dumps({**r, "session": session}) + "\n")
    single = _slices(one, capsys)
    double = _slices(both, capsys)
    for s in single:
        again = [d for d in double if (d["subject"], d["view"]) == (s["subject"], s["view"])]
        assert [d["session"] for d in again] == ["A", "B"]
        assert all({**d, "session": "A"} == s for d in again)


def test_one_point_gone_astray_does_not_shrink_a_pixel_recording_without_a_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ours, theirs = _without_header(tmp_path / "ours.jsonl"), tmp_path / "theirs.jsonl"
    _rewrite(ours, theirs, lambda p: _pixels(p, 640, 480), size=None)
    lines = [json.loads(line) for line in theirs.read_text().splitlines()]
    astray = next(i for i, r in enumerate(lines) if r.get("landmarks") and r.get("label") == "slumped")
    lines[astray]["landmarks"]["left_ear"][0] = 25_000.0
    theirs.write_text("".join(json.dumps(r) + "\n" for r in lines))
    expected = _slices(ours, capsys)
    got = _slices(theirs, capsys)
    assert sum(s["n"] for s in got) >= sum(s["n"] for s in expected) - 1  # that frame at most
    assert [s["balanced_accuracy"] for s in got] == [s["balanced_accuracy"] for s in expected]


def test_evaluate_scores_every_frame_whatever_its_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Times going backwards, or one wrong time, cost no frame: evaluate does not use the times."""
    ours = _without_header(tmp_path / "ours.jsonl")
    expected = _slices(ours, capsys)
    lines = [json.loads(line) for line in ours.read_text().splitlines()]
    backwards, glitch = tmp_path / "backwards.jsonl", tmp_path / "glitch.jsonl"
    backwards.write_text("".join(json.dumps({**r, "t": 1000 - r["t"]}) + "\n" for r in lines))
    glitch.write_text(
        "".join(json.dumps({**r, "t": 1e9 if i == 2 else r["t"]}) + "\n" for i, r in enumerate(lines))
    )
    for path in (backwards, glitch):
        assert main(["evaluate", str(path), "--calibrated", "--json"]) == 0
        out = json.loads(capsys.readouterr().out)["calibrated"]
        assert out["slices"] == expected
        assert not out.get("dropped")


def test_a_replay_keeps_one_clock(tmp_path: Path) -> None:
    """Through the monitor, time going backwards is still a dropped frame, whatever the session."""
    rec = tmp_path / "rec.jsonl"
    rec.write_text(
        "\n".join(
            json.dumps({"t": t, "session": s, "landmarks": None}) for t, s in ((0, "A"), (5, "A"), (1, "B"))
        )
        + "\n"
    )
    dropped: dict[str, int] = {}
    assert [f.t for f in read_recording(rec, dropped)] == [0, 5]
    assert dropped == {"time going backwards": 1}
    assert [f.t for f in read_recording(rec, timed=False)] == [0, 5, 1]


def test_a_landmark_list_of_another_length_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = tmp_path / "r.jsonl"
    rec.write_text(json.dumps({"t": 0, "landmarks": [[0.5, 0.5]] * 25}) + "\n")
    assert main(["evaluate", str(rec)]) == 2
    err = capsys.readouterr().err.strip()
    assert "a list of 25 landmarks" in err and "17 in COCO order" in err
    assert len(err.splitlines()) == 1


def test_landmark_names_it_does_not_know_are_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = tmp_path / "r.jsonl"
    points = {"kp0": [0.5, 0.3], "kp5": [0.6, 0.6], "kp6": [0.4, 0.6]}
    rec.write_text(json.dumps({"t": 0, "landmarks": points, "label": "upright"}) + "\n")
    assert main(["evaluate", str(rec), "--calibrated"]) == 2
    err = capsys.readouterr().err.strip()
    assert "no landmark" in err and "kp0" in err and "left_shoulder" in err
    assert len(err.splitlines()) == 1


def test_the_unknown_names_named_are_those_of_most_frames(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = tmp_path / "r.jsonl"
    frames = [{"kp1": [0.1, 0.1]}] * 3 + [{"kp1": [0.1, 0.1], "kp9": [0.9, 0.9]}]
    frames += [{f"z{i}": [0.9, 0.9]} for i in range(4)]
    rec.write_text("".join(json.dumps({"t": t, "landmarks": p}) + "\n" for t, p in enumerate(frames)))
    assert main(["evaluate", str(rec), "--calibrated"]) == 2
    assert "(it has kp1, " in capsys.readouterr().err  # kp1 is in 4 frames, every other name in 1


@pytest.mark.parametrize("name", ["", " ", "l", "R", "_"])
def test_odd_landmark_names_are_kept_apart_not_a_crash(tmp_path: Path, name: str) -> None:
    rec = tmp_path / "r.jsonl"
    points = {name: [0.5, 0.5], "LShoulder": [0.7, 0.6], "rshoulder": [0.3, 0.6], "Nose": [0.5, 0.3]}
    rec.write_text(json.dumps({"t": 0, "landmarks": points}) + "\n")
    (frame,) = read_recording(rec)
    assert frame.sample is not None
    assert {"left_shoulder", "right_shoulder", "nose"} <= set(frame.sample.landmarks)


def test_a_recording_whose_every_frame_is_dropped_is_an_error_not_an_empty_table(tmp_path: Path) -> None:
    from slumpwatch.evaluate import load_items

    rec = tmp_path / "r.jsonl"
    rec.write_text(
        "\n".join(json.dumps({"t": 3 - t, "landmarks": {"nose": [0.5, 0.3, 0, 2.0]}}) for t in range(3))
        + "\n"
    )
    with pytest.raises(
        InputError,
        match=r"no frame of .* can be trusted: 3 frames dropped \(3 landmark confidence outside 0\.\.1\)",
    ):
        load_items(rec, None)


def test_dropped_frames_are_counted_in_the_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec = tmp_path / "rec.jsonl"
    _write_recording(rec)
    with rec.open("a") as f:
        nan = {"nose": [float("nan"), 0.3], "left_shoulder": [0.7, 0.6], "right_shoulder": [0.3, 0.6]}
        f.write(json.dumps({"t": 99.0, "landmarks": nan, "subject": "p3", "session": "A"}) + "\n")
    assert main(["evaluate", str(rec), "--calibrated"]) == 0
    assert "1 frames dropped (1 non-finite landmark values)" in capsys.readouterr().out
    assert main(["evaluate", str(rec), "--calibrated", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["dropped"] == {"non-finite landmark values": 1}


@pytest.mark.parametrize("size", [[1], [640, 480, 3], "640x480", 640])
def test_a_malformed_size_is_a_bad_line_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], size: object
) -> None:
    rec = tmp_path / "r.jsonl"
    rec.write_text(json.dumps({"t": 0, "size": size, "landmarks": {"nose": [0.5, 0.3]}}) + "\n")
    assert main(["evaluate", str(rec)]) == 2
    err = capsys.readouterr().err.strip()
    assert "r.jsonl:1: bad recording line" in err and len(err.splitlines()) == 1


def test_a_session_without_upright_frames_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ours = _without_header(tmp_path / "ours.jsonl")
    only = tmp_path / "slumped.jsonl"
    lines = [json.loads(line) for line in ours.read_text().splitlines()]
    only.write_text("".join(json.dumps(r) + "\n" for r in lines if r.get("label") == "slumped"))
    slices = _slices(only, capsys)
    assert slices and sum(sl["no_pose"] for sl in slices) == sum(r.get("label") == "slumped" for r in lines)
    for sl in slices:
        assert sl["n"] == 0 and sl["notes"] == ["no upright frames to calibrate against"]


def test_a_point_object_without_x_is_a_bad_line_not_a_point_not_seen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = tmp_path / "r.jsonl"
    rec.write_text(json.dumps({"t": 0, "landmarks": {"nose": {"y": 0.3}}}) + "\n")
    assert main(["evaluate", str(rec)]) == 2
    assert "landmark needs x and y" in capsys.readouterr().err
