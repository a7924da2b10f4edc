"""How `evaluate --calibrated` grows with a recording's length: it must stay linear.

The sample recording `sample_frames/front_desk.jsonl` is laid end to end into one session of N and
of 4N frames; both are evaluated under both protocols in one run, and the ratio of the times is
printed (about 4 when linear; a quadratic step, such as the landmark-name count that summed every
frame's points before, gives about 16).

    python benchmarks/evaluate_scale.py [--frames 5000]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import tempfile
import time
from pathlib import Path

from slumpwatch.cli import main as cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_frames" / "front_desk.jsonl"


def write_session(path: Path, frames: int) -> None:
    records = [r for line in SAMPLE.read_text().splitlines() if "landmarks" in (r := json.loads(line))]
    with path.open("w") as f:
        for i in range(frames):
            f.write(json.dumps({**records[i % len(records)], "t": i * 0.5}) + "\n")


def seconds(path: Path, protocol: str) -> float:
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        rc = cli(["evaluate", str(path), "--calibrated", "--protocol", protocol, "--json"])
    if rc != 0:
        raise SystemExit(f"evaluate failed on {path} ({rc})")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp) / "small.jsonl", Path(tmp) / "large.jsonl"
        write_session(small, args.frames)
        write_session(large, 4 * args.frames)
        for protocol in ("first-run", "loo"):
            a, b = seconds(small, protocol), seconds(large, protocol)
            print(
                f"{protocol:>9}: {args.frames} frames {a:.1f} s, {4 * args.frames} frames {b:.1f} s, "
                f"ratio {b / a:.1f} (4 is linear), {1000 * b / (4 * args.frames):.2f} ms per frame"
            )


if __name__ == "__main__":
    main()
