"""Build slumpwatch/models/pose_landmarker_full.task from mediapipe 0.10.21's own tflite files.

MediaPipe >= 0.10.30 ships no pose model and its Tasks API downloads one at run time, which an
offline machine cannot do. mediapipe 0.10.21's wheel still carries the two Apache-2.0 models
(``pose_detection.tflite`` and ``pose_landmark_full.tflite``). The Tasks ``PoseLandmarker`` loads
them as a ``.task`` bundle once the landmark model carries NormalizationOptions (mean 0, std 255)
and output metadata, written with mediapipe 0.10.21's metadata writer (1.2.x's is broken).

Usage (from the project root; needs pip access to PyPI and a Python 3.9-3.12 interpreter)::

    python tools/build_pose_model.py            # writes slumpwatch/models/pose_landmarker_full.task
    python tools/build_pose_model.py --check    # rebuilds into a temp file, compares bytes

The build is reproducible: zip entries carry a fixed timestamp and a fixed order, so two builds
give the same bytes. The script re-runs itself inside a private venv that has mediapipe 0.10.21.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

MEDIAPIPE_VERSION = "0.10.21"
ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "slumpwatch" / "models" / "pose_landmarker_full.task"
# The names the Tasks PoseLandmarker graph looks for inside the bundle.
DETECTOR_NAME = "pose_detector.tflite"
LANDMARKER_NAME = "pose_landmarks_detector.tflite"
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
OUTPUT_NAMES = [
    ("landmarks", "195 values: 39 keypoints x (x, y, z, visibility, presence) in input pixels"),
    ("pose_flag", "probability that a pose is present"),
    ("segmentation", "person segmentation mask logits"),
    ("heatmap", "keypoint heatmaps used for refinement"),
    ("world_landmarks", "117 values: 39 keypoints x (x, y, z) in metres, hip-centred"),
]


def _build_inside(output: Path) -> None:
    """Runs inside the venv that has mediapipe 0.10.21."""
    import zipfile

    import mediapipe
    from mediapipe.tasks.python.metadata.metadata_writers import (
        metadata_writer,
        model_asset_bundle_utils,
    )

    modules = Path(mediapipe.__file__).parent / "modules"
    detector = (modules / "pose_detection" / "pose_detection.tflite").read_bytes()
    landmarker = (modules / "pose_landmark" / "pose_landmark_full.tflite").read_bytes()

    writer = metadata_writer.MetadataWriter.create(bytearray(landmarker))
    writer.add_general_info(
        "pose_landmarks_detector",
        "BlazePose GHUM 3D full landmark model (Apache-2.0), from mediapipe 0.10.21",
    )
    writer.add_image_input(norm_mean=[0.0], norm_std=[255.0])
    for name, description in OUTPUT_NAMES:
        writer.add_feature_output(name=name, description=description)
    landmarker_with_metadata, _ = writer.populate()

    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_suffix(".tmp")
    with model_asset_bundle_utils.AlignZipFile(
        str(tmp), mode="w", alignment=model_asset_bundle_utils._ALIGNMENT
    ) as bundle:
        for name, payload in ((DETECTOR_NAME, detector), (LANDMARKER_NAME, bytes(landmarker_with_metadata))):
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            bundle.writestr(info, payload)
    os.replace(tmp, output)


def _find_python() -> str:
    for candidate in ("python3.11", "python3.12", "python3.10", "python3.9"):
        found = shutil.which(candidate)
        if found:
            return found
    raise SystemExit("error: mediapipe 0.10.21 needs Python 3.9-3.12; install one and retry")


def _build_in_venv(output: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="slumpwatch-model-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([_find_python(), "-m", "venv", str(venv)], check=True)
        py = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
        subprocess.run(
            [str(py), "-m", "pip", "install", "-q", f"mediapipe=={MEDIAPIPE_VERSION}"], check=True
        )
        subprocess.run([str(py), __file__, "--inside", "--output", str(output)], check=True)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="rebuild to a temp file and compare")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.inside:
        _build_inside(args.output)
        return
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            rebuilt = Path(tmp) / OUTPUT.name
            _build_in_venv(rebuilt)
            same = rebuilt.read_bytes() == args.output.read_bytes()
            print(f"shipped {sha256(args.output)}\nrebuilt {sha256(rebuilt)}\nidentical: {same}")
            raise SystemExit(0 if same else 1)
    _build_in_venv(args.output)
    print(f"wrote {args.output} sha256 {sha256(args.output)}")


if __name__ == "__main__":
    main()
