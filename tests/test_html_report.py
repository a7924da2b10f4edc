"""The HTML reports in a real browser (headless Chromium), and the agreement of every format.

The page itself carries no script; the browser tests put a checking script into a copy of it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from slumpwatch.cli import main
from slumpwatch.html_report import NO_DATA, render_week_html, trend_chart, trend_points
from slumpwatch.report import fmt_duration, fmt_pct, fmt_score, plural, reduce_week
from slumpwatch.store import AlertRecord, Span, Store

CHECK = """<script>
window.addEventListener("load", () => {
  const charts = [...document.querySelectorAll("figure.chart svg")].map((svg) => {
    const r = svg.getBoundingClientRect();
    return r.width > 150 && r.height > 40 ? "ok" : "hidden";
  });
  const wide = document.documentElement.scrollWidth > window.innerWidth + 1;
  document.body.setAttribute("data-check", JSON.stringify({charts, wide}));
});
</script>"""


def _chromium() -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("chromium is not installed (.ci/run installs it)")
    return browser


def browse(page: Path, tmp: Path, *extra: str, width: int = 1100) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            "--hide-scrollbars",
            f"--window-size={width},2400",
            *extra,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def in_browser(html_text: str, tmp: Path, width: int = 1100) -> tuple[dict[str, object], str]:
    """Loads a copy of the page with the checking script: (what it found, the console lines)."""
    tmp.mkdir(parents=True, exist_ok=True)
    page = tmp / "checked.html"
    page.write_text(html_text.replace("</body>", CHECK + "</body>"), encoding="utf-8")
    proc = browse(page, tmp, "--dump-dom", "--virtual-time-budget=5000", width=width)
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = re.search(r'data-check="([^"]*)"', proc.stdout)
    assert found, "the page did not load"
    console = [ln for ln in proc.stderr.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]
    return json.loads(found.group(1).replace("&quot;", '"')), "\n".join(console)


def screenshot(html_text: str, tmp: Path, name: str, width: int = 1100) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    page, png = tmp / f"{name}.html", tmp / f"{name}.png"
    page.write_text(html_text, encoding="utf-8")
    proc = browse(page, tmp, f"--screenshot={png}", width=width)
    assert proc.returncode == 0 and png.is_file(), proc.stderr[-2000:]
    return png


def colour_pixels(png: Path, rgb: tuple[int, int, int]) -> int:
    from PIL import Image

    with Image.open(png) as im:
        return sum(
            n
            for n, px in im.convert("RGB").getcolors(1 << 24) or []
            if all(abs(a - b) <= 6 for a, b in zip(px, rgb, strict=True))
        )


SLUMPED, UPRIGHT = (0xD9, 0x53, 0x4F), (0x3A, 0x9D, 0x5D)


def log_with_days(db: Path, days_ago: tuple[int, ...]) -> date:
    """A log with a working morning on each of ``days_ago`` (0 = today); returns today."""
    now = datetime.now().astimezone()
    with Store(db) as s:
        for ago in days_ago:
            start = (now - timedelta(days=ago)).replace(hour=9, minute=0, second=0, microsecond=0).timestamp()
            slump = 600 + 120 * ago
            s.add_spans(
                None,
                [
                    Span("upright", start, start + 1800, 2, 4, basis="calibrated"),
                    Span("slumped", start + 1800, start + 1800 + slump, 20, 28, basis="calibrated"),
                    Span("away", start + 1800 + slump, start + 2400 + slump),
                    Span("upright", start + 2400 + slump, start + 4000 + slump, 1, 3, basis="learned"),
                    Span("slumped", start + 4000 + slump, start + 4300 + slump, 18, 22, basis="learned"),
                ],
            )
            s.add_alert(None, AlertRecord(start + 1830, "nudge", "sit-back", "console"))
            s.add_alert(None, AlertRecord(start + 1800 + slump - 30, "exercise", "puppy-pose", "console"))
    return now.date()


def report(db: Path, *args: str, tmp: Path) -> str:
    out = tmp / "out.txt"
    assert main(["report", "--db", str(db), *args, "--output", str(out)]) == 0
    return out.read_text(encoding="utf-8")


@pytest.fixture
def week_log(tmp_path: Path) -> Path:
    db = tmp_path / "log.sqlite3"
    log_with_days(db, (0, 1, 3))  # days 2, 4, 5 and 6 ago have no data
    return db


def test_json_text_and_html_give_the_same_figures(week_log: Path, tmp_path: Path) -> None:
    data = json.loads(report(week_log, "--format", "json", tmp=tmp_path))[0]
    text = report(week_log, tmp=tmp_path)
    page = report(week_log, "--format", "html", tmp=tmp_path)
    csv_row = report(week_log, "--format", "csv", tmp=tmp_path).splitlines()
    figures = [
        fmt_score(data["score"]),
        f"{fmt_pct(data['slumped_share'])} of present time",
        fmt_duration(data["present_s"]),
        fmt_duration(data["slumped_s"]),
        fmt_duration(data["monitored_s"]),
        f"{plural(data['episodes'], 'episode')} (longest {fmt_duration(data['longest_episode_s'])})",
        plural(data["alerts"], "warning"),
        plural(data["streak"], "day"),
        f"{fmt_pct(data['previous_share'])} of present time over "
        + plural(data["previous_days"], "earlier day"),
        "your calibration " + fmt_duration(data["judged_s"]["calibrated"]),
        "learned posture " + fmt_duration(data["judged_s"]["learned"]),
    ]
    assert data["score"] == round(100 * (1 - data["slumped_share"]))
    assert data["episodes"] == 2 and data["alerts"] == 2 and data["previous_days"] == 2
    for figure in figures:
        assert figure in text, figure
        assert figure in page, figure
    header, row = csv_row[0].split(","), csv_row[1].split(",")
    values = dict(zip(header, row, strict=True))
    assert int(values["score"]) == data["score"] and float(values["present_s"]) == data["present_s"]
    assert "40% slumped" not in text and "warnings sent    1 warnings" not in text
    for line in text.splitlines():
        if re.match(r"\s+\d\d:00 ", line):
            assert line.endswith("of present time slumped") or line.endswith("away all hour")


def test_week_page_is_not_the_day_page(week_log: Path, tmp_path: Path) -> None:
    day = report(week_log, "--format", "html", tmp=tmp_path)
    week = report(week_log, "--week", "--format", "html", tmp=tmp_path)
    assert day != week
    for chart in ("minutes", "trend", "worst-hours"):
        assert f'id="{chart}"' in week
    assert "Posture this week" in week and "Day by day" in week
    text = report(week_log, "--week", tmp=tmp_path)
    assert text.count("no data") == 4 and "worst hours" in text


def test_days_without_data_are_gaps_not_zero(week_log: Path) -> None:
    with Store(week_log) as s:
        today = datetime.now().astimezone()
        week = reduce_week(today.date(), today.tzinfo, s.spans(0, 1e12), s.alerts(0, 1e12))  # type: ignore[arg-type]
    points = trend_points(week)
    assert [p is None for p in points] == [True, True, True, False, True, False, False]
    assert all(p is not None and p > 0 for p in points if p is not None)
    svg = trend_chart(week)
    assert svg.count(f">{NO_DATA}<") == 4
    assert svg.count(NO_DATA) == 4
    assert render_week_html(week).count(f'<td colspan="5">{NO_DATA}</td>') == 4


@pytest.mark.parametrize("week", [False, True], ids=["day", "week"])
def test_pages_in_chromium_with_data(week_log: Path, tmp_path: Path, week: bool) -> None:
    args = ["--format", "html", *(["--week"] if week else [])]
    page = report(week_log, *args, tmp=tmp_path)
    assert "src=" not in page and "<link" not in page and "<script" not in page  # self-contained
    assert "http" not in page.replace("http://www.w3.org", "")  # nothing from the network
    assert "prefers-color-scheme: dark" in page
    for width in (1100, 390):  # a laptop and a phone
        found, console = in_browser(page, tmp_path / f"check{width}", width)
        assert console == ""
        assert found["charts"] == ["ok"] * 3
        assert found["wide"] is False
    png = screenshot(page, tmp_path, "week" if week else "day")
    assert colour_pixels(png, SLUMPED) > 2000 and colour_pixels(png, UPRIGHT) > 500


@pytest.mark.parametrize("week", [False, True], ids=["day", "week"])
def test_empty_pages_say_what_to_do(tmp_path: Path, week: bool) -> None:
    db = tmp_path / "empty.sqlite3"
    Store(db).close()
    page = report(db, "--format", "html", *(["--week"] if week else []), tmp=tmp_path)
    assert "No posture data for" in page
    assert "slumpwatch calibrate" in page and "slumpwatch run" in page
    found, console = in_browser(page, tmp_path / "check", 390)
    assert console == "" and found["wide"] is False
    png = screenshot(page, tmp_path, "empty")
    assert colour_pixels(png, SLUMPED) == 0  # nothing drawn as a 0% or 100% day
    text = report(db, *(["--week"] if week else []), tmp=tmp_path)
    assert "no posture data" in text and "slumpwatch calibrate" in text
