"""Delivery routes and the notifier that falls through them.

Order: plyer (where it works; it fails on headless Linux), the OS's own route (one module per OS,
chosen once), then the console, which always works. Each send runs in a worker thread with a
timeout, so a hung notification server never stalls the capture loop; a failing route is logged
once, then skipped for a while.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TextIO

log = logging.getLogger(__name__)


class Route(Protocol):
    """``send`` raises, or returns False, when the notification was not delivered."""

    name: str

    def send(self, title: str, body: str, timeout_s: float) -> bool | None: ...


@dataclass
class FunctionRoute:
    name: str
    func: Callable[[str, str, float], bool | None]

    def send(self, title: str, body: str, timeout_s: float) -> bool | None:
        return self.func(title, body, timeout_s)


class PlyerRoute:
    name = "plyer"

    def send(self, title: str, body: str, timeout_s: float) -> bool | None:
        from plyer import notification

        notify = getattr(notification, "notify", None)
        if notify is None:
            raise RuntimeError("plyer has no notification backend here")
        notify(title=title, message=body, app_name="slumpwatch", timeout=int(timeout_s))
        return None


class ConsoleRoute:
    """The warning on the terminal (and the log), with an optional bell. Never fails."""

    name = "console"

    def __init__(self, stream: TextIO | None = None, bell: bool = False) -> None:
        self.stream = stream
        self.bell = bell

    def send(self, title: str, body: str, timeout_s: float) -> bool | None:
        stream = self.stream or sys.stderr
        stream.write(("\a" if self.bell else "") + f"\n[slumpwatch] {title}: {body}\n")
        stream.flush()
        return True


class ActionRoute:
    """A route that can show buttons ("Snooze 1 h"): with :meth:`offer` set, a click calls
    ``on_action(key)`` (from another thread); without it, a plain notification."""

    def __init__(
        self,
        name: str,
        send: Callable[[str, str, float], bool | None],
        send_with_actions: Callable[..., bool | None],
    ) -> None:
        self.name = name
        self._send = send
        self._send_with_actions = send_with_actions
        self.actions: dict[str, str] = {}
        self.on_action: Callable[[str], None] | None = None

    def offer(self, actions: dict[str, str], on_action: Callable[[str], None]) -> None:
        self.actions, self.on_action = dict(actions), on_action

    def send(self, title: str, body: str, timeout_s: float) -> bool | None:
        if self.actions and self.on_action is not None:
            return self._send_with_actions(title, body, timeout_s, self.actions, self.on_action)
        return self._send(title, body, timeout_s)


def os_route(platform: str = sys.platform) -> Route | None:
    if platform.startswith("linux"):
        from . import linux as mod
    elif platform == "darwin":
        from . import macos as mod  # type: ignore[no-redef]
    elif platform.startswith("win"):
        from . import windows as mod  # type: ignore[no-redef]
    else:
        return None
    why = mod.available()
    if why is not None:
        log.debug("%s route unavailable: %s", mod.NAME, why)
        return None
    with_actions = getattr(mod, "send_with_actions", None)
    if with_actions is not None:
        return ActionRoute(mod.NAME, mod.send, with_actions)
    return FunctionRoute(mod.NAME, mod.send)


def default_routes(bell: bool = False, use_plyer: bool | None = None) -> list[Route]:
    routes: list[Route] = []
    if use_plyer is None:  # plyer's Linux backend fails silently or hangs; the OS route is better
        use_plyer = not sys.platform.startswith("linux")
    if use_plyer:
        routes.append(PlyerRoute())
    native = os_route()
    if native is not None:
        routes.append(native)
    routes.append(ConsoleRoute(bell=bell))
    return routes


class Notifier:
    """Sends through the first route that works within ``timeout_s``; returns the route's name."""

    def __init__(
        self,
        routes: list[Route],
        timeout_s: float = 3.0,
        retry_after_s: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not routes or routes[-1].name != "console":
            routes = [*routes, ConsoleRoute()]
        self.routes = routes
        self.timeout_s = timeout_s
        self.retry_after_s = retry_after_s
        self.clock = clock
        self._failed_at: dict[str, float] = {}

    def send(self, title: str, body: str) -> str:
        for route in self.routes:
            failed = self._failed_at.get(route.name)
            if failed is not None and self.clock() - failed < self.retry_after_s:
                continue
            if route.name == "console":
                route.send(title, body, self.timeout_s)
                return route.name
            error = self._try(route, title, body)
            if error is None:
                self._failed_at.pop(route.name, None)
                return route.name
            if route.name not in self._failed_at:
                log.warning("notification route %s failed (%s); falling back", route.name, error)
            self._failed_at[route.name] = self.clock()
        raise AssertionError("unreachable: the console route never fails")

    def _try(self, route: Route, title: str, body: str) -> str | None:
        result: list[BaseException | None] = []

        def work() -> None:
            try:
                ok = route.send(title, body, self.timeout_s)
                result.append(RuntimeError("route reported failure") if ok is False else None)
            except BaseException as err:  # a route may raise anything; it must not reach the loop
                result.append(err)

        worker = threading.Thread(target=work, name=f"notify-{route.name}", daemon=True)
        worker.start()
        worker.join(self.timeout_s)
        if worker.is_alive():
            return f"no answer within {self.timeout_s:g} s"
        err = result[0] if result else RuntimeError("route ended without result")
        return None if err is None else f"{type(err).__name__}: {err}".strip()

    def describe(self) -> list[str]:
        return [r.name for r in self.routes]

    def offer_actions(self, actions: dict[str, str], on_action: Callable[[str], None]) -> None:
        """Buttons on the notifications of the routes that can show them (a click: ``on_action(key)``)."""
        for route in self.routes:
            if isinstance(route, ActionRoute):
                route.offer(actions, on_action)


class BackgroundSender:
    """Sends notifications one at a time on a worker thread, so a slow or hung notification server
    never holds up the monitoring loop. ``drain()`` hands back what was sent, with the route used."""

    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier
        self._todo: queue.Queue[tuple[int, str, str] | None] = queue.Queue()
        self._done: list[tuple[int, str]] = []
        self._lock = threading.Lock()
        self._worker = threading.Thread(target=self._run, name="notify-sender", daemon=True)
        self._worker.start()

    def submit(self, key: int, title: str, body: str) -> None:
        self._todo.put((key, title, body))

    def drain(self) -> list[tuple[int, str]]:
        with self._lock:
            done, self._done = self._done, []
        return done

    def close(self, timeout_s: float | None = None) -> list[tuple[int, str]]:
        """Waits for what is queued (at most ``timeout_s``, default two route time-outs); returns it."""
        self._todo.put(None)
        self._worker.join(2 * self.notifier.timeout_s + 1 if timeout_s is None else timeout_s)
        return self.drain()

    def _run(self) -> None:
        while (job := self._todo.get()) is not None:
            key, title, body = job
            route = self.notifier.send(title, body)
            with self._lock:
                self._done.append((key, route))
