"""The tray icon: the monitor's state as a colour, a tooltip, and a menu to pause, snooze and more.

The icon owns the main thread (``pystray`` needs it on macOS); the monitor runs in a worker thread
through :func:`slumpwatch.app.watch` (or :func:`~slumpwatch.app.replay` for a recording) with a
:class:`~slumpwatch.control.LiveControl`, so menu items, ``slumpwatch pause`` from a terminal and
notification actions all take the same path. Quit and SIGTERM stop both; the open span is stored.

``pystray`` and Pillow are the optional extra ``slumpwatch[tray]``; they are imported only here.
Recalibrate and Today's report run the same ``slumpwatch`` commands a terminal would
(``calibrate``, ``report --format html``) in a child process, after the monitor released the camera.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import app
from .control import LiveControl
from .errors import SlumpwatchError, TrayError
from .state import State

if TYPE_CHECKING:
    from .calibration import Profile
    from .config import Config

log = logging.getLogger(__name__)

# The icon's fill colour per state (None: starting, nothing measured yet).
COLOURS: dict[State | None, tuple[int, int, int]] = {
    State.UPRIGHT: (46, 160, 67),  # green
    State.SLUMPED: (220, 50, 47),  # red
    State.AWAY: (140, 140, 140),  # grey
    State.PAUSED: (38, 110, 210),  # blue
    State.LEARNING: (235, 170, 0),  # amber
    State.UNCALIBRATED: (150, 90, 190),  # purple
    None: (200, 200, 200),
}
SIZE = 64


def load_pystray() -> Any:
    """The ``pystray`` module, or a one-line :class:`TrayError` saying how to get a working one."""
    try:
        import pystray
    except ImportError as err:
        raise TrayError(
            f"the tray icon needs pystray and Pillow ({err.name or 'pystray'} is missing)",
            "pip install 'slumpwatch[tray]'",
        ) from None
    except Exception as err:  # Xlib raises its own errors without a display
        raise TrayError(
            f"no system tray to show an icon in ({type(err).__name__}: {err})",
            "run it in a desktop session, or use `slumpwatch run` with `slumpwatch status/pause`",
        ) from None
    if pystray.Icon.__module__ == "pystray._xorg":
        wake_xlib_waiters()
    return pystray


def wake_xlib_waiters() -> None:
    """Works around a lost wakeup in python-xlib's threaded ``send_and_recv`` (0.33, the latest).

    A thread that only sends, while another receives, returns early once the socket is readable:
    it neither wakes a thread that began waiting for a reply meanwhile, nor sends what was queued
    meanwhile, while the receiving thread sleeps in ``select`` with nothing to send. Nobody reads
    or writes any more. pystray's X11 loop hit it drawing the icon (``get_geometry``) while the
    setup thread flushed its "show" message: the icon docked but was never drawn (about 1 of 3 CI
    runs of ``tests/test_tray_xvfb.py``); and stopping the icon from another thread left the
    window's destruction unsent, so the tray never ended. After each ``send_and_recv``, what is
    queued is sent if nobody is sending, and waiters are woken when nobody sends or receives any
    more; python-xlib's callers loop, so a waiter woken for nothing just looks again.
    """
    import select

    from Xlib.protocol import display as xdisplay

    original = xdisplay.Display.send_and_recv
    if getattr(original, "slumpwatch_wakes", False):
        return

    def send_and_recv(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        if not hasattr(self, "request_wait_lock"):  # another python-xlib: leave it alone
            return result
        while True:
            self.send_recv_lock.acquire()
            if not self.send_active and not self.socket_error and (self.data_send or self.request_queue):
                sent = self.data_sent_bytes
                original(self, flush=True)  # one pass; releases the lock
                if self.data_sent_bytes == sent:  # the server reads nothing (a grab): wait, not spin
                    select.select([], [self.socket], [], 0.1)
                continue
            if self.request_waiting and not self.send_active:
                self.request_waiting = 0
                self.request_wait_lock.release()
            if self.event_waiting and not self.recv_active:
                self.event_waiting = 0
                self.event_wait_lock.release()
            self.send_recv_lock.release()
            return result

    send_and_recv.slumpwatch_wakes = True  # type: ignore[attr-defined]
    xdisplay.Display.send_and_recv = send_and_recv


def icon_image(state: State | None) -> Any:
    """A filled circle in the state's colour, with a white ring (visible on dark and light panels)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse(
        (2, 2, SIZE - 3, SIZE - 3), fill=(*COLOURS.get(state, COLOURS[None]), 255), outline="white", width=4
    )
    return img


def _duration(seconds: float) -> str:
    seconds = max(int(seconds), 0)
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def tooltip(d: dict[str, Any]) -> str:
    """ "slumpwatch: slumped for 2 min, 18° forward" and what is paused or snoozed (from ``describe()``)."""
    from .control import clock_text

    state = d.get("state")
    if state is None:
        text = "slumpwatch: starting"
    else:
        text = f"slumpwatch: {state} for {_duration(d['t'] - (d.get('since') or d['t']))}"
    if d.get("trunk_deg") is not None:
        text += f", {d['trunk_deg']:+.0f}°"
    if d.get("paused_until"):
        text += f" ({d.get('paused_why') or 'paused'} until {clock_text(d['paused_until'], None)})"
    elif d.get("camera_busy"):
        text += " (camera in use)"
    if d.get("snoozed_until"):
        text += f"; warnings snoozed until {clock_text(d['snoozed_until'], None)}"
    return text


class Tray:
    """The icon, its menu and the monitor's worker thread.

    ``pystray_module`` and ``run_command`` are for tests (a dummy backend, no child processes)."""

    def __init__(
        self,
        cfg: Config,
        profile: Profile | None,
        *,
        profile_name: str | None = None,
        db_path: str | None = None,
        source: str | None = None,
        speed: float = 1.0,
        interval: float | None = None,
        on_message: Callable[[str], None] = lambda m: log.warning("%s", m),
        pystray_module: Any = None,
        open_url: Callable[[str], object] = webbrowser.open,
        run_command: Callable[[list[str]], int] | None = None,
    ) -> None:
        self.cfg, self.profile = cfg, profile
        self.profile_name = profile_name or cfg.profile
        self.db_path, self.source, self.speed, self.interval = db_path, source, speed, interval
        self.on_message = on_message
        self.open_url = open_url
        self.run_command = run_command or (lambda argv: subprocess.call(argv))
        self.control = LiveControl(app.local_tz())
        self.stopper = app.Stopper()
        self.error = ""
        self._worker: threading.Thread | None = None
        self._busy = threading.Lock()  # one recalibration at a time
        self._workers = threading.Lock()  # starting and stopping the monitor, one at a time
        self._drawing = threading.Lock()
        self._quitting = False
        self._shown: tuple[State | None, str] | None = None
        ps = pystray_module or load_pystray()
        self.pystray = ps
        self.icon = ps.Icon("slumpwatch", icon_image(None), "slumpwatch: starting", menu=self.menu())
        self._wake: threading.Event | None = None  # set while running: redraws on their own thread
        self.control.on_change.append(self._changed)
        self.control.on_exercise.append(self.exercises)

    # ------------------------------------------------------------ the menu
    def menu(self) -> Any:
        item, menu = self.pystray.MenuItem, self.pystray.Menu

        def paused(_: Any) -> bool:
            return self.control.paused_until is not None

        return menu(
            item("Pause for 30 min", lambda: self.control.pause(1800.0)),
            item("Pause for 1 h", lambda: self.control.pause(3600.0)),
            item("Pause until tomorrow", lambda: self.control.pause("tomorrow")),
            item("Resume", lambda: self.control.resume(), enabled=paused),
            item("Snooze warnings for 1 h", lambda: self.control.snooze(3600.0)),
            menu.SEPARATOR,
            item("Recalibrate", lambda: self.recalibrate()),
            item("Today's report", lambda: self.report()),
            item("Exercises", lambda: self.exercises()),
            menu.SEPARATOR,
            item("Quit", lambda: self.quit()),
        )

    def item(self, text: str) -> Any:
        """The menu item labelled ``text`` (tests call it as pystray would on a click)."""
        for entry in self.icon.menu.items:
            if str(entry.text) == text:
                return entry
        raise KeyError(text)

    def _changed(self) -> None:
        if self._wake is None:
            self.refresh()
        else:
            # Never redraw on the caller's thread: it may be the icon's own loop (a menu click),
            # which a backend's redraw waits for.
            self._wake.set()

    def _redraw_loop(self, wake: threading.Event) -> None:
        while not self._quitting:
            if wake.wait(0.5):
                wake.clear()
                self.refresh()

    def refresh(self) -> None:
        """The icon's colour and tooltip from the latest state (any thread)."""
        with self._drawing:  # the monitor, the control server and the menu may all call this
            d = self.control.describe()
            state = State(d["state"]) if d.get("state") else None
            tip = tooltip(d)
            if self._shown is None or self._shown[0] is not state:
                self.icon.icon = icon_image(state)
            if self._shown is None or self._shown[1] != tip:
                self.icon.title = tip
            self._shown = (state, tip)

    @property
    def shown_state(self) -> State | None:
        return self._shown[0] if self._shown else None

    # ------------------------------------------------------------ the monitor
    def start_monitor(self) -> None:
        """Starts the monitor in a worker thread, unless the tray is quitting."""
        with self._workers:
            if self._quitting:
                return
            self.stopper = app.Stopper()
            worker = threading.Thread(target=self._monitor, name="slumpwatch-monitor", daemon=True)
            worker.start()
            self._worker = worker

    def stop_monitor(self) -> None:
        """Stops the monitor; the open span and the session are written and the camera closed."""
        with self._workers:
            self.stopper.request_stop()
            if self._worker is not None:
                self._worker.join()
                self._worker = None

    def _monitor(self) -> None:
        from .recording import is_recording

        stopper = self.stopper
        try:
            if self.source and is_recording(Path(self.source)):
                app.replay(
                    self.cfg,
                    self.profile,
                    Path(self.source),
                    stopper,
                    db_path=self.db_path or ":memory:",
                    speed=self.speed,
                    on_message=self.on_message,
                    control=self.control,
                )
            else:
                app.watch(
                    self.cfg,
                    self.profile,
                    stopper,
                    db_path=self.db_path,
                    source=self.source,
                    interval=self.interval,
                    on_message=self.on_message,
                    control=self.control,
                )
        except SlumpwatchError as err:
            self.error = err.one_line()
            self.on_message(self.error)
        if not stopper.stop and not self._quitting:
            self.quit()  # the monitor ended by itself (a recording ended, the camera failed)

    # ------------------------------------------------------------ menu actions
    def quit(self) -> None:
        self._quitting = True
        self.stopper.request_stop()
        self.icon.stop()

    def _slumpwatch(self, *args: str) -> list[str]:
        argv = [sys.executable, "-m", "slumpwatch", *args]
        if self.db_path:
            argv += ["--db", self.db_path]
        return argv

    def recalibrate(self) -> threading.Thread:
        """Releases the camera, runs the guided calibration, then monitors again with the new profile."""

        def work() -> None:
            if not self._busy.acquire(blocking=False):
                return
            try:
                self.stop_monitor()
                self.icon.title = "slumpwatch: calibrating: sit upright, right back in your chair"
                argv = [sys.executable, "-m", "slumpwatch", "calibrate", "--profile", self.profile_name]
                argv += ["--camera", str(self.cfg.camera), "--quiet"]
                if self.run_command(argv) == 0:
                    from .calibration import load_profile
                    from .paths import profile_path

                    self.profile = load_profile(profile_path(self.profile_name))
                else:
                    self.on_message("calibration did not finish; monitoring with the previous profile")
                if not self._quitting:
                    self.start_monitor()
            finally:
                self._busy.release()

        thread = threading.Thread(target=work, name="slumpwatch-recalibrate", daemon=True)
        thread.start()
        return thread

    def report(self) -> Path | None:
        """Writes today's HTML report to the data directory and opens it in the browser."""
        from .paths import data_dir

        out = data_dir() / "today.html"
        out.parent.mkdir(parents=True, exist_ok=True)
        if self.run_command(self._slumpwatch("report", "--format", "html", "--output", str(out))) != 0:
            self.on_message("today's report could not be written")
            return None
        self.open_url(out.as_uri())
        return out

    def exercises(self) -> Path:
        from .control import show_exercises

        return show_exercises(self.open_url)

    # ------------------------------------------------------------ the main thread
    def run(self, install_signals: bool = True) -> str:
        """Shows the icon until Quit, SIGTERM or the monitor's end; returns the error, if any."""
        if install_signals:
            import signal

            def on_signal(*_: Any) -> None:
                # Not here: the handler runs on the icon's own thread, perhaps in the middle of
                # its X11 I/O, whose lock would then be taken twice (a hang at SIGTERM, seen once).
                threading.Thread(target=self.quit, name="tray-quit", daemon=True).start()

            for name in ("SIGTERM", "SIGINT", "SIGHUP"):
                if hasattr(signal, name):
                    signal.signal(getattr(signal, name), on_signal)

        def setup(icon: Any) -> None:
            if self._quitting:  # a signal before the icon ran: stopping it then did nothing
                self.quit()
                return
            icon.visible = True
            self._wake = threading.Event()
            threading.Thread(
                target=self._redraw_loop, args=(self._wake,), name="tray-redraw", daemon=True
            ).start()
            self.start_monitor()

        try:
            self.icon.run(setup=setup)
        finally:
            # pystray's X11 loop logs an exception and returns: without Quit, a signal or the
            # monitor's end, the icon is gone and the monitor must not go on unseen.
            died = not self._quitting
            self._quitting = True
            self.stop_monitor()
        if died and not self.error:
            self.error = (
                "the tray icon's event loop ended by itself (its error is above); "
                "start `slumpwatch tray` again, or monitor with `slumpwatch run`"
            )
            self.on_message(self.error)
        return self.error
