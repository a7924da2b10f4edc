"""Forces python-xlib's lost wakeups (see ``slumpwatch.tray.wake_xlib_waiters``) on an X display.

Thread B flushes a request while another thread receives: B only sends, and its polls of the
socket are slowed so that it sees data waiting there and returns early. Three scenarios:

* ``reply``: on a message, A asks for a window's geometry while B is still sending; A's request
  stays queued and A waits for B, which neither sends it nor wakes A.
* ``taken``: A queues its geometry request, B's flush takes it along and C, the receiver, leaves;
  A then waits for B, which returns early without waking A: nobody reads the reply.
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

SCENARIO = next((s for s in ("taken", "unsent") if s in sys.argv), "reply")
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
            time.sleep(0.5 if SCENARIO == "taken" else 0.3)  # data arrives meanwhile
        out = select.select(r, w, x, timeout)
        if SCENARIO == "unsent" and name == "B" and timeout == 0:
            time.sleep(0.4)  # A reads it and waits again meanwhile
        if SCENARIO == "unsent" and name == "A" and out[0]:
            time.sleep(0.2)  # a slow reader: B sees the data too
        return out


xdisplay.select = _Select  # type: ignore[attr-defined]

if SCENARIO == "taken":
    _send_request = xdisplay.Display.send_request

    def _slow_after_queueing(self: Any, request: Any, wait_for_response: Any) -> None:
        _send_request(self, request, wait_for_response)
        if threading.current_thread().name == "A" and wait_for_response:
            time.sleep(0.4)  # queued, not yet waiting: B takes it along meanwhile

    xdisplay.Display.send_request = _slow_after_queueing  # type: ignore[method-assign]


def main() -> int:
    d, other = Xlib.display.Display(), Xlib.display.Display()
    screen = d.screen()
    win = screen.root.create_window(0, 0, 10, 10, 0, screen.root_depth, event_mask=Xlib.X.StructureNotifyMask)
    d.sync()
    go = other.intern_atom("SLUMPWATCH_GO")
    done = threading.Event()

    def a() -> None:
        if SCENARIO == "taken":
            time.sleep(0.2)
            win.get_geometry()
            done.set()
            return
        while True:
            ev = d.next_event()
            if SCENARIO == "reply" and ev.type == Xlib.X.ClientMessage:
                win.get_geometry()
                break
            if ev.type == Xlib.X.DestroyNotify:
                break
        done.set()

    def b() -> None:
        time.sleep(0.3 if SCENARIO == "taken" else 0.2)  # someone is receiving, blocked in select
        win.change_property(go, go, 32, [1])
        d.flush()  # sends only, then polls slowly

    def c() -> None:
        d.next_event()  # the receiver until the first message

    def poke() -> None:
        target = other.create_resource_object("window", win.id)
        message = event.ClientMessage(window=win.id, client_type=go, data=(32, [0] * 5))
        target.send_event(message, event_mask=0)
        other.flush()

    threads = [("A", a), ("B", b), *([("C", c)] if SCENARIO == "taken" else [])]
    for name, target in threads:
        threading.Thread(target=target, name=name, daemon=True).start()
    if SCENARIO == "reply":
        time.sleep(0.3)
        poke()  # during B's slow poll: A wakes and waits for its reply, as B is sending
        time.sleep(0.05)
        poke()  # more data for B's poll to see: B returns early
    elif SCENARIO == "taken":
        time.sleep(0.4)
        poke()  # C receives it and leaves; A starts waiting at 0.6 s, B is still sending
        time.sleep(0.3)
        poke()  # data for B's poll to see: B returns early
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
