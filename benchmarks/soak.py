"""Soak: replay an 8-hour day (the sample recording, looped) at full speed into a file log.

Checkpointing is on, as in real monitoring (the open span rewritten every 15 s of day time).
Prints peak RSS after the first hour and at the end, how much of the day the spans cover, and the
log's growth per day with a year's projection (which must stay under 50 MB).

    python benchmarks/soak.py [--hours 8]
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import tempfile
import time
from pathlib import Path

from slumpwatch.app import build_monitor, build_notifier, monitoring_log, replay_into
from slumpwatch.calibration import load_profile
from slumpwatch.config import Config

ROOT = Path(__file__).resolve().parent.parent
YEAR_LIMIT_MB = 50.0


def _log_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if not p.name.endswith(".lock"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=float, default=8.0)
    args = ap.parse_args()
    rec = ROOT / "sample_frames" / "front_desk.jsonl"
    profile = load_profile(ROOT / "calibration" / "front_desk.json")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "soak.sqlite3"
        cfg = Config(db=str(db))
        with monitoring_log(cfg.db) as store:
            empty = _log_bytes(db)
            notifier = build_notifier(cfg, collect=[], console=io.StringIO())
            mon = build_monitor(cfg, profile, store, notifier, rec.name, on_message=lambda m: None)
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
            sessions = store.db.execute("SELECT MIN(start), MAX(end) FROM sessions").fetchone()
            alerts = len(store.alerts(0, 4e9))
            store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        grown = _log_bytes(db) - empty
    day_s = sessions[1] - sessions[0]
    per_day = grown * (8 * 3600 / day_s)  # one 8-hour monitored day
    year_mb = per_day * 365 / 1e6
    print(
        f"replayed {t / 3600:.1f} h in {time.perf_counter() - wall:.1f} s wall time (checkpoints every 15 s)"
    )
    first_mib = (rss_first_hour or 0) / 1024
    print(f"peak RSS after 1 h: {first_mib:.1f} MiB, at the end: {rss_end / 1024:.1f} MiB")
    hours = f"{covered / 3600:.2f} h of {day_s / 3600:.2f} h monitored"
    print(f"log: {len(spans)} spans covering {hours}, {alerts} alerts")
    year = f"{year_mb:.1f} MB per year (limit {YEAR_LIMIT_MB:g} MB)"
    print(f"log growth: {per_day / 1024:.1f} KiB per 8-hour day, {year}")
    ok = covered >= day_s * 0.99 and year_mb < YEAR_LIMIT_MB
    if not ok:
        print("FAIL: spans do not cover the day, or a year of logs is over the limit", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
