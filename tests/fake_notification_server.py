"""A tiny org.freedesktop.Notifications service for hermetic tests (runs in a subprocess).

Prints one JSON line per notification received: {"app": ..., "summary": ..., "body": ...}.
With --hang it accepts the call but never answers. With --invoke KEY it "clicks" the button KEY of
a notification that offers it (``ActionInvoked``), then closes the notification.
"""

from __future__ import annotations

import asyncio
import json
import sys

from dbus_next.aio import MessageBus
from dbus_next.service import ServiceInterface, method, signal

HANG = "--hang" in sys.argv
INVOKE = sys.argv[sys.argv.index("--invoke") + 1] if "--invoke" in sys.argv else None


class Notifications(ServiceInterface):
    def __init__(self) -> None:
        super().__init__("org.freedesktop.Notifications")
        self.next_id = 1

    @method()
    async def Notify(
        self,
        app_name: s,
        replaces_id: u,
        app_icon: s,
        summary: s,
        body: s,
        actions: "as",
        hints: "a{sv}",
        expire_timeout: i,
    ) -> u:
        print(json.dumps({"app": app_name, "summary": summary, "body": body, "actions": actions}), flush=True)
        if HANG:
            await asyncio.sleep(3600)
        self.next_id += 1
        if INVOKE is not None and INVOKE in actions[::2]:
            asyncio.get_running_loop().call_later(0.3, self._click, self.next_id, INVOKE)
        return self.next_id

    def _click(self, notification: int, key: str) -> None:
        self.ActionInvoked(notification, key)
        self.NotificationClosed(notification, 2)

    @signal()
    def ActionInvoked(self, notification: u, key: s) -> us:
        return [notification, key]

    @signal()
    def NotificationClosed(self, notification: u, reason: u) -> uu:
        return [notification, reason]

    @method()
    def GetServerInformation(self) -> ssss:
        return ["fake", "slumpwatch-tests", "1.0", "1.2"]

    @method()
    def GetCapabilities(self) -> "as":
        return ["body", "actions"]


async def main() -> None:
    bus = await MessageBus().connect()
    bus.export("/org/freedesktop/Notifications", Notifications())
    await bus.request_name("org.freedesktop.Notifications")
    print("READY", flush=True)
    await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    asyncio.run(main())
