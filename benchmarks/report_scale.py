"""A year of simulated spans: database size and the time of `report --week` and `--format html`.

A realistic working day every day (08:30-17:30 with a lunch break away), one state change every
30 s on average.

    python benchmarks/report_scale.py
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from slumpwatch.cli import main as cli
from slumpwatch.store import AlertRecord, Span, Store


def simulate(store: Store, days: int, seed: int = 1) -> int:
    rng = random.Random(seed)
    tz = datetime.now().astimezone().tzinfo
    today = datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    n = 0
    for d in range(days, -1, -1):
        day = today - timedelta(days=d)
        t = (day + timedelta(hours=8, minutes=30)).timestamp()
        end = (day + timedelta(hours=17, minutes=30)).timestamp()
        spans, alerts = [], []
        state = "upright"
        while t < end:
            length = rng.expovariate(1 / 30)
            lunch = 12 * 3600 <= (t - day.timestamp()) < 12.75 * 3600
            st = "away" if lunch else state
            dev = None if st == "away" else (rng.uniform(15, 35) if st == "slumped" else rng.uniform(-5, 8))
            spans.append(Span(st, t, t + length, dev, None if dev is None else dev + 3, max(int(length), 1)))
            if st == "slumped" and rng.random() < 0.05:
                alerts.append(AlertRecord(t + 20, "nudge", "sit-back", "notify-send"))
            state = rng.choices(["upright", "slumped", "away"], [0.55, 0.35, 0.10])[0]
            t += length
        sid = store.start_session(spans[0].start, "desk", "camera 0", {})
        store.add_spans(sid, spans)
        for a in alerts:
            store.add_alert(sid, a)
        store.end_session(sid, spans[-1].end)
        n += len(spans)
    return n


def timed(args: list[str]) -> float:
    t0 = time.perf_counter()
    assert cli(args) == 0
    return time.perf_counter() - t0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "year.sqlite3"
        with Store(db) as store:
            t0 = time.perf_counter()
            n = simulate(store, 365)
            store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            build = time.perf_counter() - t0
        size = db.stat().st_size / 1e6
        week = timed(["report", "--db", str(db), "--week", "--output", str(Path(tmp) / "w.txt")])
        html = timed(["report", "--db", str(db), "--format", "html", "--output", str(Path(tmp) / "r.html")])
        week_html = timed(
            ["report", "--db", str(db), "--week", "--format", "html", "--output", str(Path(tmp) / "w.html")]
        )
        print(f"spans: {n} over 366 days (built in {build:.1f} s)")
        print(f"database size: {size:.1f} MB (target < 50 MB)")
        print(f"report --week:         {week * 1000:.0f} ms (target < 1000 ms)")
        print(f"report --format html:  {html * 1000:.0f} ms (target < 1000 ms)")
        print(f"report --week --format html:  {week_html * 1000:.0f} ms (target < 1000 ms)")


if __name__ == "__main__":
    main()
