"""The converter of the public landmark CSVs (the proxies in README "Measured"): each layout's columns
land on the right landmarks, labels are mapped, live-switched streams set aside the rows after a
change, and the result is a recording that ``evaluate`` reads."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from slumpwatch.evaluate import load_items

from .conftest import ROOT


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "convert_public_csvs", ROOT / "tools" / "convert_public_csvs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["convert_public_csvs"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_live_switched_stream_sets_aside_ten_rows_from_each_change(
    tool: ModuleType, tmp_path: Path
) -> None:
    header = ",".join(
        f"{p}_{a}" for p in ("nose", "l_shoulder", "r_shoulder", "l_ear", "r_ear") for a in "xy"
    )
    header += ",class"
    row = "0.5,0.4,0.7,0.8,0.3,0.81,0.6,0.38,0.4,0.39,{}"
    labels = ["good"] * 12 + ["bad"] * 15 + ["good"] * 3
    (tmp_path / "alan.csv").write_text("\n".join([header, *(row.format(lab) for lab in labels)]) + "\n")
    assert tool.main([str(tmp_path), str(tmp_path / "out"), "alanfufuu"]) == 0
    head, *frames = _read(tmp_path / "out" / "alanfufuu.jsonl")
    assert head["format"] == "slumpwatch-landmarks" and "alanfufuu/postureAI" in head["source"]
    got = [f["label"] for f in frames]
    assert got == ["upright"] * 12 + ["unclear"] * 10 + ["slumped"] * 5 + ["unclear"] * 3
    assert frames[0]["landmarks"] == {
        "nose": [0.5, 0.4],
        "left_shoulder": [0.7, 0.8],
        "right_shoulder": [0.3, 0.81],
        "left_ear": [0.6, 0.38],
        "right_ear": [0.4, 0.39],
    }
    assert [f["t"] for f in frames[:3]] == [0.0, 0.1, 0.2]


def test_snapshots_keep_their_labels_and_each_layout_lands_on_its_landmarks(
    tool: ModuleType, tmp_path: Path
) -> None:
    # atharva: v1..v16 = x, y, z, visibility of the nose, left ear, left and right shoulder.
    values = [0.5, 0.4, -1.0, 0.99, 0.6, 0.38, -0.6, 0.98, 0.7, 0.8, -0.2, 0.97, 0.3, 0.81, -0.3, 0.96]
    lines = ["label," + ",".join(f"v{i}" for i in range(1, 17))]
    lines += [f"{lab}," + ",".join(map(str, values)) for lab in ("good", "bad", "good")]
    (tmp_path / "atharva.csv").write_text("\n".join(lines) + "\n")
    # vuha: no header; 7 x (x, y, score), 5 derived features, the label.
    points = [[0.5, 0.5, 0.5], [0.55, 0.45, 0.4], [0.45, 0.45, 0.4], [0.62, 0.5, 0.3], [0.38, 0.5, 0.3]]
    points += [[0.77, 0.94, 0.35], [0.27, 0.94, 0.32]]
    row = ",".join(str(v) for p in points for v in p) + ",1,2,3,4,5,{}"
    (tmp_path / "vuha.csv").write_text("\n".join(row.format(lab) for lab in ("bad", "good")) + "\n")
    tool.main([str(tmp_path), str(tmp_path / "out"), "atharva", "vuha"])
    _, *ath = _read(tmp_path / "out" / "atharva.jsonl")
    assert [f["label"] for f in ath] == ["upright", "slumped", "upright"]  # no unclear rows
    assert ath[0]["landmarks"]["left_ear"] == [0.6, 0.38, -0.6, 0.98]
    assert ath[0]["landmarks"]["right_shoulder"] == [0.3, 0.81, -0.3, 0.96]
    _, *vuha = _read(tmp_path / "out" / "vuha.jsonl")
    assert [f["label"] for f in vuha] == ["slumped", "upright"]
    assert vuha[0]["landmarks"]["left_shoulder"] == [0.77, 0.94, 0.0, 0.35]  # the score is the visibility
    assert set(vuha[0]["landmarks"]) == set(tool.HEAD_AND_SHOULDERS)


def test_a_vuha_row_of_another_width_is_an_error(tool: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "vuha.csv").write_text("0.5,0.5,0.5,good\n")
    with pytest.raises(ValueError, match="4 fields, not 27"):
        tool.main([str(tmp_path), str(tmp_path / "out"), "vuha"])


def test_koch_splits_its_sessions_each_with_its_own_clock_and_reads_as_a_recording(
    tool: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tool, "KOCH_FIRST_SESSION_ROWS", 25)
    layout = {
        "nose": (0.5, 0.45),
        "left_eye": (0.55, 0.4),
        "right_eye": (0.45, 0.4),
        "left_ear": (0.6, 0.42),
        "right_ear": (0.4, 0.42),
        "left_shoulder": (0.7, 0.8),
        "right_shoulder": (0.3, 0.8),
    }
    header = ",".join(f"{n}_{a}" for n in tool.HEAD_AND_SHOULDERS for a in "xyz") + ",label"

    def row(label: str, sink: float) -> str:
        return (
            ",".join(
                f"{x},{y + sink if n in tool.HEAD_AND_SHOULDERS[:5] else y},0" for n, (x, y) in layout.items()
            )
            + f",{label}"
        )

    labels = ["0"] * 12 + ["1"] * 13 + ["0"] * 12 + ["1"] * 12  # 25 rows in s1, 24 in s2
    rows = [row(lab, 0.12 if lab == "1" else 0.0) for lab in labels]
    (tmp_path / "koch.csv").write_text("\n".join([header, *rows]) + "\n")
    source = tool.SOURCES["koch"]
    frames = tool.frames(source, source.rows(tmp_path / "koch.csv"))
    s1 = [f for f in frames if f["session"] == "s1"]
    s2 = [f for f in frames if f["session"] == "s2"]
    assert (len(s1), len(s2)) == (25, 24)
    assert s2[0]["t"] == 0.0 and s2[0]["label"] == "upright"  # a new session starts a new clock
    assert [f["label"] for f in s1[12:]] == ["unclear"] * 10 + ["slumped"] * 3
    tool.write(tmp_path / "koch.jsonl", source, frames)
    items = load_items(tmp_path / "koch.jsonl", None)
    assert {(it.subject, it.session) for it in items} == {("koch", "s1"), ("koch", "s2")}
    assert sum(it.label == "slumped" and it.sample is not None for it in items) == 3 + 2
