from __future__ import annotations

import shutil
import sqlite3
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from slumpwatch.cli import main
from slumpwatch.errors import StoreError
from slumpwatch.report import reduce_day, reduce_week, render_text, to_csv
from slumpwatch.store import MIGRATIONS, SCHEMA_VERSION, AlertRecord, Span, SpanMerger, Store

UTC = timezone.utc
DAY = date(2026, 11, 30)
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC).timestamp()


def test_span_merging() -> None:
    m = SpanMerger()
    out = [
        m.add(T0 + i, st, dev)
        for i, (st, dev) in enumerate(
            [("upright", 1.0), ("upright", 3.0), ("slumped", 20.0), ("slumped", 30.0), ("away", None)]
        )
    ]
    closed = [s for s in out if s is not None]
    assert closed == [
        Span("upright", T0, T0 + 2, 2.0, 3.0, 2),
        Span("slumped", T0 + 2, T0 + 4, 25.0, 30.0, 2),
    ]


@pytest.mark.parametrize("where", ["memory", "file"])
def test_store_roundtrip(tmp_path: Path, where: str) -> None:
    path = ":memory:" if where == "memory" else tmp_path / "log.sqlite3"
    with Store(path) as s:
        sid = s.start_session(T0, "desk", "camera 0", {"x": 1})
        s.add_spans(sid, [Span("upright", T0, T0 + 60, 2.0, 4.0, 10)])
        s.add_alert(sid, AlertRecord(T0 + 30, "nudge", "sit-back", "console"))
        assert s.spans(T0, T0 + 100) == [Span("upright", T0, T0 + 60, 2.0, 4.0, 10)]
        assert s.alerts(T0, T0 + 100)[0].exercise == "sit-back"
        if where == "file":
            assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_old_schema_is_migrated_keeping_data(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    db.execute("INSERT INTO spans(state, start, end, samples) VALUES ('slumped', ?, ?, 3)", (T0, T0 + 5))
    db.commit()
    db.close()
    with Store(path) as s:
        assert s.spans(T0 - 1, T0 + 10)[0].state == "slumped"
        s.add_alert(None, AlertRecord(T0, "nudge", None, "console"))


def test_corrupt_database_is_reported_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="corrupt"):
        Store(path)
    assert path.read_bytes() == before
    assert main(["report", "--db", str(path)]) == 7
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "corrupt" in err[0]
    assert path.read_bytes() == before


def test_locked_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    Store(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with Store(path, timeout_s=0.2) as s, pytest.raises(StoreError, match="locked"):
            s.add_spans(None, [Span("upright", T0, T0 + 1)])
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_newer_schema_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer slumpwatch"):
        Store(path)


def test_day_reduction_known_answers() -> None:
    spans = [
        Span("upright", T0, T0 + 1800, 3.0, 8.0),
        Span("slumped", T0 + 1800, T0 + 2400, 20.0, 31.0),
        Span("away", T0 + 2400, T0 + 3000),
        Span("upright", T0 + 3000, T0 + 3600, 1.0, 2.0),
        Span("slumped", T0 + 3600, T0 + 3900, 18.0, 25.0),
        Span("paused", T0 + 3900, T0 + 7200),
    ]
    alerts = [
        AlertRecord(T0 + 1900, "nudge", "sit-back", "console"),
        AlertRecord(T0 + 3700, "exercise", "puppy-pose", "x"),
    ]
    r = reduce_day(DAY, UTC, spans, alerts)
    assert r.monitored_s == 3900 and r.present_s == 3300 and r.slumped_s == 900
    assert r.slumped_share == pytest.approx(900 / 3300)
    assert r.episodes == 2 and r.longest_episode_s == 600
    assert r.worst_deviation_deg == 31.0
    assert r.mean_deviation_deg == pytest.approx((3 * 1800 + 20 * 600 + 1 * 600 + 18 * 300) / 3300)
    assert r.alerts == 2 and r.exercises == {"sit-back": 1, "puppy-pose": 1}
    assert r.hours[9]["slumped"] == 600 and r.hours[10]["slumped"] == 300
    assert "slump episodes   2" in render_text(r)


def test_session_crossing_midnight_is_split() -> None:
    late = datetime(2026, 11, 30, 23, 30, tzinfo=UTC).timestamp()
    spans = [Span("slumped", late, late + 3600, 20.0, 25.0)]
    a = reduce_day(DAY, UTC, spans, [])
    b = reduce_day(DAY + timedelta(days=1), UTC, spans, [])
    assert a.slumped_s == 1800 and b.slumped_s == 1800
    assert a.hours[23]["slumped"] == 1800 and b.hours[0]["slumped"] == 1800


def test_time_zone_decides_the_day() -> None:
    tz = timezone(timedelta(hours=-5))
    t = datetime(2026, 12, 1, 2, 0, tzinfo=UTC).timestamp()  # 21:00 on Nov 30 at UTC-5
    spans = [Span("upright", t, t + 600, 1.0, 1.0)]
    assert reduce_day(DAY, tz, spans, []).present_s == 600
    assert reduce_day(DAY, UTC, spans, []).present_s == 0
    assert reduce_day(DAY, tz, spans, []).hours[21]["upright"] == 600


def test_week_and_csv() -> None:
    spans = [Span("slumped", T0 - 86400 * d, T0 - 86400 * d + 600 * (d + 1), 20, 20) for d in range(3)]
    week = reduce_week(DAY, UTC, spans, [])
    assert [w.day for w in week][-1] == "2026-11-30" and len(week) == 7
    assert [round(w.slumped_s) for w in week][-3:] == [1800, 1200, 600]
    assert to_csv(week).splitlines()[0].startswith("day,monitored_s")


def test_report_cli_unknown_date_and_missing_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--date", "2026-13-45", "--db", str(tmp_path / "x.db")]) == 2
    assert "unknown date" in capsys.readouterr().err
    assert main(["report", "--db", str(tmp_path / "none.db")]) == 7
    assert "no posture log" in capsys.readouterr().err


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_html_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed (.ci/run installs it)")
    db = tmp_path / "log.sqlite3"
    now = datetime.now().astimezone()
    start = now.replace(hour=9, minute=0, second=0, microsecond=0).timestamp()
    with Store(db) as s:
        s.add_spans(
            None,
            [
                Span("upright", start, start + 1200, 2, 4),
                Span("slumped", start + 1200, start + 1800, 20, 28),
                Span("away", start + 1800, start + 2000),
            ],
        )
        s.add_alert(None, AlertRecord(start + 1300, "nudge", "sit-back", "console"))
    out = tmp_path / "report.html"
    assert main(["report", "--db", str(db), "--format", "html", "--output", str(out)]) == 0
    page = out.read_text()
    assert page.count("<svg") == 3
    assert "src=" not in page and "<link" not in page and "<script" not in page  # self-contained
    proc = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            out.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0
    dom = proc.stdout
    for chart in ("timeline", "hourly", "trend"):
        assert f'id="{chart}"' in dom
    assert "Posture report" in dom
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []
