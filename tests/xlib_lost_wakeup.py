"""Forces python-xlib's lost wakeups (see ``slumpwatch.tray.wake_xlib_waiters``) on an X display.

Thread A receives events; thread B flushes a request meanwhile, sending only, and its polls of
the socket are slowed so that it sees data waiting there and returns early. Two scenarios:

* ``reply``: on a message, A asks for a window's geometry while B is still sending; A waits for
  B, and B's early return does not wake it.
* ``unsent``: the main thread destroys the window while B is sending (its flush leaves that to B),
  A is slow to read a message, so B sees it waiting; B's early return leaves the destruction
  unsent while A sleeps in ``select`` with nothing to send, waiting for the window's end.

Prints ``DONE`` if A got what it waited for within 3 s, else ``STRANDED``. ``--fix`` applies
slumpwatch's workaround first.
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

SCENARIO = "unsent" if "unsent" in sys.argv else "reply"
if "--fix" in sys.argv:
    from slumpwatch.tray import wake_xlib_waiters

    wake_xlib_waiters()


class _Select:
    """``select`` as python-xlib calls it, with B's polls slowed (and A's reads, for ``unsent``)."""

    error = select.error

    @staticmethod
    def select(r: Any, w: Any, x: Any, timeout: float | None = None) -> Any:
        name = threading.current_thread().name
        if name == "B" and timeout == 0:
            time.sleep(0.3)  # data arrives meanwhile
        out = select.select(r, w, x, timeout)
        if SCENARIO == "unsent" and name == "B" and timeout == 0:
            time.sleep(0.4)  # A reads it and waits again meanwhile
        if SCENARIO == "unsent" and name == "A" and out[0]:
            time.sleep(0.2)  # a slow reader: B sees the data too
        return out


xdisplay.select = _Select  # type: ignore[attr-defined]


def main() -> int:
    d, other = Xlib.display.Display(), Xlib.display.Display()
    screen = d.screen()
    win = screen.root.create_window(0, 0, 10, 10, 0, screen.root_depth, event_mask=Xlib.X.StructureNotifyMask)
    d.sync()
    go = other.intern_atom("SLUMPWATCH_GO")
    done = threading.Event()

    def a() -> None:
        while True:
            ev = d.next_event()
            if SCENARIO == "reply" and ev.type == Xlib.X.ClientMessage:
                win.get_geometry()
                break
            if ev.type == Xlib.X.DestroyNotify:
                break
        done.set()

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
    if SCENARIO == "reply":
        time.sleep(0.3)
        poke()  # during B's slow poll: A wakes and waits for its reply, as B is sending
        time.sleep(0.05)
        poke()  # more data for B's poll to see: B returns early
    else:
        time.sleep(0.3)
        win.destroy()
        d.flush()  # B is sending: this flush leaves the request to B
        time.sleep(0.05)
        poke()  # A is slow to read it, B sees it and returns early
    print("DONE" if done.wait(3) else "STRANDED", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
