"""Soak: replay an 8-hour day (the sample recordings, looped) at full speed; memory must stay flat.

Prints peak RSS after the first hour and at the end, and how much of the day the log holds.

    python benchmarks/soak.py [--hours 8]
"""

from __future__ import annotations

import argparse
import io
import resource
import tempfile
import time
from pathlib import Path

from slumpwatch.calibration import load_profile
from slumpwatch.cli_more import replay_into
from slumpwatch.monitor import Monitor
from slumpwatch.notify.routes import ConsoleRoute, Notifier
from slumpwatch.store import Store

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=float, default=8.0)
    args = ap.parse_args()
    rec = ROOT / "sample_frames" / "front_desk.jsonl"
    profile = load_profile(ROOT / "calibration" / "front_desk.json")
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "soak.sqlite3") as store:
        mon = Monitor(profile, store, Notifier([ConsoleRoute(io.StringIO())]))
        t0 = 1_800_000_000.0
        t = 0.0
        rss_first_hour = None
        wall = time.perf_counter()
        while t < args.hours * 3600:
            t = replay_into(mon, rec, t0 + t, 0.0) - t0 + 1.0
            if rss_first_hour is None and t >= 3600:
                rss_first_hour = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        rss_end = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        spans = store.spans(0, 4e9)
        covered = sum(s.end - s.start for s in spans)
        print(f"replayed {t / 3600:.1f} h in {time.perf_counter() - wall:.1f} s wall time")
        print(f"peak RSS after 1 h: {rss_first_hour / 1024:.1f} MiB, at the end: {rss_end / 1024:.1f} MiB")
        print(f"log: {len(spans)} spans covering {covered / 3600:.2f} h, {len(store.alerts(0, 4e9))} alerts")


if __name__ == "__main__":
    main()
