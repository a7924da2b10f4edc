"""The tray icon with pystray's dummy backend: menu, control, colours, Quit and SIGTERM."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from slumpwatch.calibration import load_profile
from slumpwatch.config import Config
from slumpwatch.state import State
from slumpwatch.store import Store

from .conftest import ROOT
from .tray_loop import looping_icon

REC = ROOT / "sample_frames" / "front_desk.jsonl"
PROFILE = ROOT / "calibration" / "front_desk.json"


@pytest.fixture
def pystray() -> Any:
    if "pystray" not in sys.modules:
        os.environ["PYSTRAY_BACKEND"] = "dummy"
    return pytest.importorskip("pystray")


@pytest.fixture
def looping_pystray(pystray: Any) -> Any:
    class Module:
        MenuItem, Menu = pystray.MenuItem, pystray.Menu
        Icon = looping_icon(pystray)

    return Module


def _with_icon(pystray: Any, icon: Any) -> Any:
    """``pystray`` with its ``Icon`` class replaced (a test's own variant of the looping one)."""

    class Module:
        MenuItem, Menu, Icon = pystray.MenuItem, pystray.Menu, icon

    return Module


def _colour(image: Any) -> tuple[int, int, int]:
    return tuple(image.convert("RGB").getpixel((32, 32)))  # type: ignore[return-value]


def test_icon_colours_differ_per_state(pystray: Any) -> None:
    from slumpwatch.tray import COLOURS, icon_image, tooltip

    colours = {_colour(icon_image(s)) for s in [*State, None]}
    assert len(colours) == len(State) + 1
    assert _colour(icon_image(State.SLUMPED)) == COLOURS[State.SLUMPED]
    tip = tooltip({"state": "slumped", "since": 100.0, "t": 220.0, "trunk_deg": 18.4})
    assert tip == "slumpwatch: slumped for 2 min, +18°"
    assert tooltip({"state": None}) == "slumpwatch: starting"


def test_menu_goes_through_live_control(pystray: Any, tmp_path: Path) -> None:
    from slumpwatch.tray import Tray

    opened: list[str] = []
    commands: list[list[str]] = []

    def run_command(argv: list[str]) -> int:
        commands.append(argv)
        Path(argv[argv.index("--output") + 1]).write_text("<html>", encoding="utf-8")
        return 0

    tray = Tray(Config(), None, pystray_module=pystray, open_url=opened.append, run_command=run_command)
    labels = [str(i.text) for i in tray.icon.menu.items if i is not pystray.Menu.SEPARATOR]
    assert labels == [
        "Pause for 30 min",
        "Pause for 1 h",
        "Pause until tomorrow",
        "Resume",
        "Snooze warnings for 1 h",
        "Recalibrate",
        "Today's report",
        "Exercises",
        "Quit",
    ]
    assert not tray.item("Resume").enabled
    tray.item("Pause for 1 h")(tray.icon)
    assert tray.control.paused_until is not None and tray.shown_state is State.PAUSED
    assert tray.item("Resume").enabled
    assert "paused by you until" in tray.icon.title
    tray.item("Resume")(tray.icon)
    assert tray.control.paused_until is None and tray.shown_state is None
    tray.item("Snooze warnings for 1 h")(tray.icon)
    assert tray.control.snoozed_until is not None and "snoozed" in tray.icon.title
    tray.item("Today's report")(tray.icon)
    assert commands[-1][-4:] == ["report", "--format", "html", "--output"] or "report" in commands[-1]
    assert opened[-1].startswith("file://") and opened[-1].endswith("today.html")
    tray.item("Exercises")(tray.icon)
    assert opened[-1].endswith("exercises.html")
    assert "Puppy Pose" in Path(opened[-1].removeprefix("file://")).read_text(encoding="utf-8")


def test_tray_follows_a_replay_and_quit_stores_the_open_span(looping_pystray: Any, tmp_path: Path) -> None:
    from slumpwatch.tray import COLOURS, Tray

    db = tmp_path / "log.sqlite3"
    tray = Tray(
        Config(),
        load_profile(PROFILE),
        db_path=str(db),
        source=str(REC),
        speed=50.0,  # 260 s of recording in about 5 s
        pystray_module=looping_pystray,
        run_command=lambda argv: 0,
    )
    seen: list[State | None] = []
    tray.control.on_change.append(lambda: seen.append(tray.shown_state))

    def quit_when_slumped() -> None:
        deadline = time.monotonic() + 30
        while tray.shown_state is not State.SLUMPED and time.monotonic() < deadline:
            time.sleep(0.02)
        tray.item("Pause for 30 min")(tray.icon)
        time.sleep(0.5)
        tray.item("Quit")(tray.icon)

    threading.Thread(target=quit_when_slumped, daemon=True).start()
    assert tray.run(install_signals=False) == ""
    assert State.UPRIGHT in seen and State.SLUMPED in seen
    colours = [_colour(i) for i in tray.icon.images]
    assert COLOURS[State.UPRIGHT] in colours and COLOURS[State.SLUMPED] in colours
    assert colours.index(COLOURS[State.UPRIGHT]) < colours.index(COLOURS[State.SLUMPED])
    with Store(str(db)) as store:
        states = [s.state for s in store.spans(0, 2e9)]
    assert "slumped" in states and states[-1] == "paused"


def test_recalibrate_releases_the_monitor_and_starts_it_again(looping_pystray: Any) -> None:
    from slumpwatch.tray import Tray

    calls: list[list[str]] = []
    tray = Tray(
        Config(),
        None,
        source=str(REC),
        speed=1.0,
        pystray_module=looping_pystray,
        run_command=lambda argv: calls.append(argv) or 1,  # calibration refused: the old profile stays
    )
    tray.start_monitor()
    first = tray._worker
    tray.recalibrate().join(30)
    assert calls and calls[0][3:6] == ["calibrate", "--profile", "default"]
    assert first is not None and not first.is_alive()
    assert tray._worker is not None and tray._worker is not first and tray._worker.is_alive()
    tray.quit()
    tray.stop_monitor()


def test_tray_without_pystray_is_one_line() -> None:
    code = (
        "import sys; sys.modules['pystray'] = None\n"
        "from slumpwatch.cli import main\n"
        "sys.exit(main(['tray']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 10
    assert proc.stderr.strip().splitlines() == [
        "slumpwatch: the tray icon needs pystray and Pillow (pystray is missing) "
        "(pip install 'slumpwatch[tray]')"
    ]


def test_sigterm_ends_tray_and_monitor_cleanly(tmp_path: Path) -> None:
    """A real ``slumpwatch tray`` process (dummy backend with a loop) stopped by SIGTERM."""
    db = tmp_path / "log.sqlite3"
    env = {**os.environ, "PYSTRAY_BACKEND": "dummy"}
    args = ["tray", "--source", str(REC), "--profile-file", str(PROFILE), "--db", str(db)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.tray_loop", *args], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )
    time.sleep(6)
    proc.terminate()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    with Store(str(db)) as store:
        spans = store.spans(0, 2e9)
    assert spans and spans[-1].end - spans[0].start >= 3  # the open span was stored at the end


def test_help_and_status_do_not_import_the_tray_stack() -> None:
    code = (
        "import sys\n"
        "from slumpwatch.cli import main\n"
        "for argv in (['--help'], ['status'], ['tray', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pystray', 'PIL', 'Xlib')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_todays_report_is_written_and_opened(pystray: Any, tmp_path: Path) -> None:
    from slumpwatch.store import Span
    from slumpwatch.tray import Tray

    db = tmp_path / "log.sqlite3"
    now = time.time()
    with Store(str(db)) as store:
        store.add_spans(None, [Span("upright", now - 120, now - 60), Span("paused", now - 60, now)])
    opened: list[str] = []
    tray = Tray(Config(), None, db_path=str(db), pystray_module=pystray, open_url=opened.append)
    out = tray.report()
    assert out is not None and opened == [out.as_uri()]
    assert "<html" in out.read_text(encoding="utf-8").lower()


def test_autostart_can_start_the_tray() -> None:
    from slumpwatch import autostart

    assert "-m slumpwatch tray" in autostart.content("linux", tray=True)
    assert "-m slumpwatch run --quiet" in autostart.content("linux")


def test_an_icon_loop_that_ends_by_itself_is_an_error(looping_pystray: Any) -> None:
    """pystray's X11 loop logs an exception and returns; the tray must not exit 0 as if quit."""
    from slumpwatch.tray import Tray

    class Dying(looping_pystray.Icon):  # type: ignore[misc, name-defined]
        def _run(self) -> None:
            self._mark_ready()
            time.sleep(0.5)

    messages: list[str] = []
    tray = Tray(
        Config(),
        load_profile(PROFILE),
        source=str(REC),
        pystray_module=_with_icon(looping_pystray, Dying),
        run_command=lambda argv: 0,
        on_message=messages.append,
    )
    error = tray.run(install_signals=False)
    assert "ended by itself" in error and "slumpwatch tray" in error
    assert messages == [error]
    assert tray._worker is None  # the monitor was stopped with the icon


def test_no_monitor_starts_once_the_tray_is_quitting(looping_pystray: Any) -> None:
    """A setup or recalibration thread that comes late must not start a monitor nobody will stop."""
    from slumpwatch.tray import Tray

    tray = Tray(Config(), None, source=str(REC), pystray_module=looping_pystray)
    tray.quit()
    tray.start_monitor()
    assert tray._worker is None
    tray.stop_monitor()  # and stopping what never started is fine


def test_a_signal_stops_the_icon_from_another_thread(looping_pystray: Any) -> None:
    """The handler runs on the icon's thread, maybe inside its X11 I/O: it must not stop the icon
    there (python-xlib's lock would be taken twice)."""
    import signal

    from slumpwatch.tray import Tray

    stopped_on: list[str] = []

    class Icon(looping_pystray.Icon):  # type: ignore[misc, name-defined]
        def _stop(self) -> None:
            stopped_on.append(threading.current_thread().name)
            super()._stop()

    tray = Tray(Config(), None, source=str(REC), speed=1.0, pystray_module=_with_icon(looping_pystray, Icon))
    signals = [getattr(signal, n) for n in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, n)]
    old = {s: signal.getsignal(s) for s in signals}
    timer = threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGTERM))
    try:
        timer.start()
        assert tray.run() == ""
    finally:
        timer.cancel()
        for s, handler in old.items():
            signal.signal(s, handler)
    assert stopped_on and stopped_on[0] != threading.main_thread().name
    assert tray._worker is None


def test_a_signal_before_the_icon_ran_ends_the_tray(looping_pystray: Any) -> None:
    """Quit before the icon's loop ran (stopping it then does nothing): setup ends the tray
    instead of showing an icon with no monitor behind it, for ever."""
    from slumpwatch.tray import Tray

    tray = Tray(Config(), None, source=str(REC), pystray_module=looping_pystray)
    tray.quit()
    done = threading.Event()
    threading.Thread(target=lambda: (tray.run(install_signals=False), done.set()), daemon=True).start()
    assert done.wait(20), "the tray went on running after quit"
    assert tray._worker is None
