"""Forces python-xlib's lost wakeup (see ``slumpwatch.tray.wake_xlib_waiters``) on an X display.

Thread A receives events and, on a message, asks for a window's geometry; thread B flushes a
request at the same moment, sending only, and is held in its ``select`` until more data waits on
the socket, so it returns early. Prints ``REPLY`` if A got its reply within 3 s, else ``STRANDED``.
``--fix`` applies slumpwatch's workaround first.
"""

from __future__ import annotations

import select
import sys
import threading
import time
from typing import Any

import Xlib.display
import Xlib.threaded  # real locks, as pystray uses them
import Xlib.X
from Xlib.protocol import display as xdisplay
from Xlib.protocol import event

if "--fix" in sys.argv:
    from slumpwatch.tray import wake_xlib_waiters

    wake_xlib_waiters()


class _SlowPollForB:
    """``select`` as python-xlib calls it, but B's polls wait 0.3 s first."""

    error = select.error

    @staticmethod
    def select(r: Any, w: Any, x: Any, timeout: float | None = None) -> Any:
        if timeout == 0 and threading.current_thread().name == "B":
            time.sleep(0.3)
        return select.select(r, w, x, timeout)


xdisplay.select = _SlowPollForB  # type: ignore[attr-defined]


def main() -> int:
    d, other = Xlib.display.Display(), Xlib.display.Display()
    screen = d.screen()
    win = screen.root.create_window(0, 0, 10, 10, 0, screen.root_depth, event_mask=Xlib.X.StructureNotifyMask)
    d.sync()
    go = other.intern_atom("SLUMPWATCH_GO")
    done = threading.Event()

    def a() -> None:
        while True:
            if d.next_event().type == Xlib.X.ClientMessage:
                win.get_geometry()
                done.set()
                return

    def b() -> None:
        time.sleep(0.2)  # A is receiving, blocked in select
        win.change_property(go, go, 32, [1])
        d.flush()  # sends only, then polls slowly

    def poke() -> None:
        target = other.create_resource_object("window", win.id)
        message = event.ClientMessage(window=win.id, client_type=go, data=(32, [0] * 5))
        target.send_event(message, event_mask=0)
        other.flush()

    threading.Thread(target=a, name="A", daemon=True).start()
    threading.Thread(target=b, name="B", daemon=True).start()
    time.sleep(0.3)
    poke()  # during B's slow poll: A wakes and waits for its reply, as B is sending
    time.sleep(0.05)
    poke()  # more data for B's poll to see: B returns early
    print("REPLY" if done.wait(3) else "STRANDED", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
