"""Notification buttons: "Snooze 1 h" clicked on the (fake) notification server snoozes the monitor
through the same live-control path as ``slumpwatch snooze``."""

from __future__ import annotations

import io
import json
import time

import pytest

from slumpwatch.control import ACTIONS, LiveControl
from slumpwatch.monitor import Monitor
from slumpwatch.notify.policy import AlertPolicy, PolicyConfig
from slumpwatch.notify.routes import ActionRoute, ConsoleRoute, Notifier, os_route
from slumpwatch.store import Store

from . import test_notify
from .conftest import side_pose

dbus_session = test_notify.dbus_session


def test_snooze_button_silences_warnings_for_an_hour_of_replayed_time(
    dbus_session: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in dbus_session.items():
        monkeypatch.setenv(k, v)
    server = test_notify._start_server(dbus_session, "--invoke", "snooze-1h")
    try:
        route = os_route("linux")
        assert isinstance(route, ActionRoute)
        notifier = Notifier([route, ConsoleRoute(io.StringIO())], timeout_s=5)
        t0 = 1_800_000_000.0
        control = LiveControl()
        notifier.offer_actions(ACTIONS, control.action)
        with Store(":memory:") as store:
            mon = Monitor(None, store, notifier, AlertPolicy(PolicyConfig(cooldown_s=60, daily_cap=1000)))
            mon.on_status = control.watching(None)
            mon.start(t0)
            t = t0
            while not mon.sent:  # a side view slumped 40 degrees: a warning after the onset delay
                assert not control.sync(mon, t)
                mon.process(t, side_pose(40))
                t += 5
            first = mon.sent[0].t
            assert server.stdout is not None
            got = json.loads(server.stdout.readline())
            assert got["actions"] == ["snooze-1h", "Snooze 1 h", "exercise", "Show exercise"]
            deadline = time.monotonic() + 10
            while control.snoozed_until is None and time.monotonic() < deadline:
                time.sleep(0.05)  # the click arrives over D-Bus
            assert control.snoozed_until is not None
            clicked_at = t
            while t < clicked_at + 2 * 3600:  # two hours of replayed time, slumped throughout
                control.sync(mon, t)
                mon.process(t, side_pose(40))
                t += 5
            mon.stop(t)
        later = [a.t - clicked_at for a in mon.sent if a.t > first]
        assert later and min(later) >= 3600  # nothing in the snoozed hour, warnings again after it
    finally:
        test_notify._stop(server)
