"""Live control of a running monitor: ``status``, ``pause``, ``resume`` and ``snooze``.

A running monitor (``run``, ``replay --speed N``, ``tray``) listens on a Unix socket that only its
user can open: ``control.sock`` in the data directory, mode 0600, and on Linux a peer from another
uid is refused as well (``SO_PEERCRED``). One JSON request per connection, one JSON line back::

    {"cmd": "pause", "for": "1h"}   ->   {"ok": true, "state": "paused", "paused_until": ..., ...}

Windows is not supported yet (:func:`request` and :func:`serving` say so); the planned design there
is a loopback port with a random token in a file only the user can read in the data directory.

Threads: the server thread (and a tray menu, and a notification action) only change the small
locked state of :class:`LiveControl`. The monitoring loop calls :meth:`LiveControl.sync` between
samples, which applies pause, resume and snooze to the monitor in the loop's own thread (the
monitor is not thread-safe).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ControlError
from .state import State

if TYPE_CHECKING:
    from .monitor import Monitor, Status

log = logging.getLogger(__name__)

SOCKET_NAME = "control.sock"
MAX_REQUEST = 4096
UNSUPPORTED = ("live control is not supported on Windows yet", "stop and start the monitor instead")
NOT_RUNNING_HINT = "start one with `slumpwatch run` or `slumpwatch tray`"
# Buttons on slump warnings where the notification route can show them (freedesktop actions).
ACTIONS = {"snooze-1h": "Snooze 1 h", "exercise": "Show exercise"}


def socket_path() -> Path:
    from .paths import data_dir

    return data_dir() / SOCKET_NAME


def parse_duration(text: str) -> float | str:
    """Seconds for ``30m``, ``1h``, ``90s`` or ``2h30m``-free plain forms, or ``"tomorrow"``."""
    text = text.strip().lower()
    if text == "tomorrow":
        return text
    units = {"s": 1, "m": 60, "min": 60, "h": 3600}
    for suffix in ("min", "s", "m", "h"):
        if text.endswith(suffix):
            number, scale = text[: -len(suffix)], units[suffix]
            break
    else:
        number, scale = text, 60  # a bare number is minutes
    try:
        value = float(number) * scale
    except ValueError:
        raise ValueError(f"{text!r} is not a duration like 30m, 1h or tomorrow") from None
    if not math.isfinite(value) or value <= 0 or value > 7 * 86400:
        raise ValueError(f"{text!r} is not between a second and a week")
    return value


def until_from(base: float, duration: float | str, tz: tzinfo | None) -> float:
    """The end of ``duration`` from ``base`` (epoch seconds); ``tomorrow`` is the next local midnight."""
    if duration == "tomorrow":
        local = datetime.fromtimestamp(base, tz)
        midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), local.tzinfo)
        return midnight.timestamp()
    assert isinstance(duration, float)
    return base + duration


def clock_text(t: float, tz: tzinfo | None) -> str:
    local = datetime.fromtimestamp(t, tz)
    today = datetime.now(tz).date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%a %H:%M")


@dataclass
class Paused:
    until: float
    why: str
    since: float | None = None  # set by the loop when the monitor is paused


class LiveControl:
    """What a front end may ask of a running monitor, applied by the monitoring loop."""

    def __init__(self, tz: tzinfo | None = None, clock: Callable[[], float] = time.time) -> None:
        self.tz = tz
        self.clock = clock
        self._lock = threading.Lock()
        self._paused: Paused | None = None
        self._snooze: float | None = None  # seconds, waiting for the loop
        self.snoozed_until: float | None = None
        self.camera_busy = ""  # why the camera could not be opened, while it cannot
        self.status: Status | None = None
        self.on_change: list[Callable[[], None]] = []  # e.g. the tray redraws its icon
        self.on_exercise: list[Callable[[], object]] = []  # "Show exercise" was clicked
        self._checkpoint_t = -math.inf

    # ------------------------------------------------------------ any thread
    def now(self) -> float:
        """The monitor's clock: the last sample's time (replays run on their own clock), else the wall."""
        st = self.status
        return st.t if st is not None and st.t is not None else self.clock()

    def pause(self, duration: float | str, why: str = "paused by you") -> float:
        until = until_from(self.now(), duration, self.tz)
        with self._lock:
            since = self._paused.since if self._paused else None
            self._paused = Paused(until, why, since)
        self._changed()
        return until

    def resume(self) -> bool:
        with self._lock:
            was, self._paused = self._paused, None
        self._changed()
        return was is not None

    def snooze(self, seconds: float) -> float:
        with self._lock:
            self._snooze = seconds
            self.snoozed_until = self.now() + seconds
        self._changed()
        return self.snoozed_until

    def observe(self, status: Status) -> None:
        self.status = status
        self._changed()

    def watching(self, on_status: Callable[[Status], None] | None) -> Callable[[Status], None]:
        """An ``on_status`` that keeps the latest status here and passes it on."""

        def both(st: Status) -> None:
            self.observe(st)
            if on_status is not None:
                on_status(st)

        return both

    @property
    def paused_until(self) -> float | None:
        p = self._paused
        return p.until if p is not None else None

    def describe(self) -> dict[str, Any]:
        """The state as the ``status`` command shows it (JSON-ready)."""
        st = self.status
        p = self._paused
        now = self.now()
        snoozed = self.snoozed_until if self.snoozed_until and self.snoozed_until > now else None
        out: dict[str, Any] = {
            "ok": True,
            "state": st.state.value if st is not None and st.state is not None else None,
            "since": st.since if st is not None else None,
            "t": now,
            "trunk_deg": st.trunk_deg if st is not None else None,
            "basis": st.basis if st is not None else "",
            "calibrated": st.calibrated if st is not None else False,
            "learning_left": st.learning_left if st is not None else 0,
            "paused_until": p.until if p is not None else None,
            "paused_why": p.why if p is not None else ("camera in use" if self.camera_busy else ""),
            "snoozed_until": snoozed,
            "camera_busy": self.camera_busy,
            "pid": os.getpid(),
        }
        if p is not None or self.camera_busy:
            out["state"] = State.PAUSED.value
            out["trunk_deg"] = None
        if p is not None:
            out["since"] = p.since if p.since is not None else now
        return out

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """One request from the socket (or anything else); never raises."""
        cmd = request.get("cmd")
        try:
            if cmd == "status":
                pass
            elif cmd == "pause":
                self.pause(parse_duration(str(request.get("for", "30m"))))
            elif cmd == "resume":
                self.resume()
            elif cmd == "snooze":
                duration = parse_duration(str(request.get("for", "1h")))
                if duration == "tomorrow":
                    duration = until_from(self.now(), duration, self.tz) - self.now()
                assert isinstance(duration, float)
                self.snooze(duration)
            else:
                return {"ok": False, "error": f"unknown command {cmd!r}"}
        except ValueError as err:
            return {"ok": False, "error": str(err)}
        return self.describe()

    def action(self, key: str) -> None:
        """A notification button was clicked (any thread): the same path as the commands."""
        if key == "snooze-1h":
            self.handle({"cmd": "snooze", "for": "1h"})
        elif key == "exercise":
            for func in list(self.on_exercise):
                try:
                    func()
                except Exception:  # opening a browser must not reach the notifier's thread
                    log.warning("could not show the exercises", exc_info=True)

    def _changed(self) -> None:
        for func in list(self.on_change):
            try:
                func()
            except Exception:  # a front end's redraw must never reach the loop or the server
                log.debug("on_change failed", exc_info=True)

    # ------------------------------------------------------------ the monitoring loop's thread
    def sync(self, monitor: Monitor, t: float) -> bool:
        """Applies what was asked to ``monitor`` before the sample at ``t``; True: paused, skip it."""
        with self._lock:
            snooze, self._snooze = self._snooze, None
            p = self._paused
            if p is not None and t >= p.until:
                self._paused = p = None
        if snooze is not None:
            monitor.policy.snooze(t, snooze)
            self.snoozed_until = t + snooze
        if p is None:
            return False
        if p.since is None:
            p.since = t
            monitor.pause(t, f"{p.why} until {clock_text(p.until, self.tz)}", retrying=False)
            self._checkpoint_t = t
            self._publish(monitor, t, p.why)
        else:
            if t - self._checkpoint_t >= monitor.checkpoint_s:
                self._checkpoint_t = t
                monitor.checkpoint(t)  # the paused stretch survives a crash like any span
            self._publish(monitor, t, p.why)
        return True

    def camera_in_use(self, monitor: Monitor, t: float, why: str) -> None:
        """The camera could not be opened (another program holds it): paused until it can."""
        if not self.camera_busy:
            monitor.pause(t, "camera in use", retrying=True)
        self.camera_busy = why or "camera in use"
        self._publish(monitor, t, "camera in use")

    def camera_back(self) -> None:
        if self.camera_busy:
            self.camera_busy = ""
            self._changed()

    def _publish(self, monitor: Monitor, t: float, why: str) -> None:
        from .monitor import Status

        st = Status(
            State.PAUSED, monitor.machine.since, None, monitor.profile is not None, why, monitor.basis, t=t
        )
        if monitor.on_status is not None:
            monitor.on_status(st)
        else:
            self.observe(st)


# ------------------------------------------------------------------ the channel (Unix socket)
def _unsupported() -> bool:
    return sys.platform.startswith("win") or not hasattr(socket, "AF_UNIX")


def _peer_uid(conn: socket.socket) -> int | None:
    """The connecting process's uid (Linux), or None where the OS does not tell."""
    opt = getattr(socket, "SO_PEERCRED", None)
    if opt is None:
        return None
    creds = conn.getsockopt(socket.SOL_SOCKET, opt, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


class ControlServer:
    """Answers requests on ``path`` from a daemon thread until :meth:`close`."""

    def __init__(self, control: LiveControl, path: Path) -> None:
        self.control = control
        self.path = path
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()

    def start(self) -> ControlServer:
        if _unsupported():
            raise ControlError(*UNSUPPORTED)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() or self.path.is_symlink():
            try:
                request({"cmd": "status"}, self.path, timeout=1.0)
            except ControlError:
                self.path.unlink()  # left by a crash: nobody answers
            else:
                raise ControlError(
                    f"another monitor already answers live control at {self.path}",
                    "status, pause and resume will reach that one",
                )
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # the socket is born 0600 (no window where others may connect)
        try:
            sock.bind(str(self.path))
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        sock.listen(4)
        sock.settimeout(0.2)
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, name="slumpwatch-control", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._closed.set()
        if self._thread is not None:
            self._thread.join(2.0)
        if self._sock is not None:
            self._sock.close()
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            self._sock = None

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                try:
                    self._answer(conn)
                except (OSError, ValueError) as err:
                    log.debug("control request failed: %s", err)

    def _answer(self, conn: socket.socket) -> None:
        conn.settimeout(2.0)
        uid = _peer_uid(conn)
        if uid is not None and uid != os.getuid():
            conn.sendall(b'{"ok": false, "error": "not your monitor"}\n')
            return
        data = b""
        while b"\n" not in data and len(data) < MAX_REQUEST:
            chunk = conn.recv(MAX_REQUEST)
            if not chunk:
                break
            data += chunk
        try:
            req = json.loads(data.decode("utf-8").splitlines()[0] if data else "")
        except (UnicodeDecodeError, json.JSONDecodeError, IndexError):
            req = None
        reply = (
            self.control.handle(req)
            if isinstance(req, dict)
            else {"ok": False, "error": "not a JSON request"}
        )
        conn.sendall(json.dumps(reply).encode("utf-8") + b"\n")


def show_exercises(open_url: Callable[[str], object] | None = None) -> Path:
    """Writes the exercise catalog as HTML in the data directory and opens it in the browser."""
    import webbrowser

    from .notify.exercises import as_html
    from .paths import data_dir

    out = data_dir() / "exercises.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(as_html(), encoding="utf-8")
    (open_url or webbrowser.open)(out.as_uri())
    return out


def offer_actions(monitor: Monitor, control: LiveControl | None) -> None:
    """Buttons on the monitor's notifications ("Snooze 1 h", "Show exercise") that reach ``control``."""
    if control is None:
        return
    if not control.on_exercise:
        control.on_exercise.append(show_exercises)
    monitor.notifier.offer_actions(ACTIONS, control.action)


@contextlib.contextmanager
def serving(
    control: LiveControl | None, path: Path | None = None, on_message: Callable[[str], None] | None = None
) -> Iterator[ControlServer | None]:
    """Answers live control while the block runs (nothing without ``control``); where it cannot,
    says why once and goes on."""
    if control is None:
        yield None
        return
    server = ControlServer(control, path or socket_path())
    try:
        server.start()
    except (ControlError, OSError) as err:
        text = err.one_line() if isinstance(err, ControlError) else f"live control unavailable: {err}"
        (on_message or log.warning)(text)
        yield None
        return
    try:
        yield server
    finally:
        server.close()


def request(req: dict[str, Any], path: Path | None = None, timeout: float = 3.0) -> dict[str, Any]:
    """Sends one request to the running monitor; its answer, or :class:`ControlError`."""
    if _unsupported():
        raise ControlError(*UNSUPPORTED)
    path = path or socket_path()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            raise ControlError("no slumpwatch monitor is running", NOT_RUNNING_HINT) from None
        except PermissionError:
            raise ControlError(
                f"{path} belongs to another user's monitor", "run the command as that user"
            ) from None
        sock.sendall(json.dumps(req).encode("utf-8") + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except TimeoutError:
        raise ControlError(f"the monitor did not answer within {timeout:g} s", "try again") from None
    finally:
        sock.close()
    try:
        reply = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ControlError("the monitor's answer was not understood", "restart the monitor") from None
    if not isinstance(reply, dict):
        raise ControlError("the monitor's answer was not understood", "restart the monitor")
    if not reply.get("ok"):
        raise ControlError(f"the monitor refused: {reply.get('error', 'no reason given')}")
    return reply
