"""A minimal system-tray host (the XEMBED systray protocol) for the Xvfb screenshot test.

Owns ``_NET_SYSTEM_TRAY_S0``, shows a 64x64 window at (10, 10) and embeds the first icon that asks
to dock in it. Prints READY once it owns the selection and DOCKED when an icon is embedded.
"""

from __future__ import annotations

import sys

import Xlib.display
import Xlib.X
from Xlib.protocol import event

SIZE = 64


def main() -> None:
    display = Xlib.display.Display()
    screen = display.screen()
    host = screen.root.create_window(
        10,
        10,
        SIZE,
        SIZE,
        0,
        screen.root_depth,
        background_pixel=screen.white_pixel,
        event_mask=Xlib.X.SubstructureNotifyMask,
    )
    host.map()
    selection = display.intern_atom(f"_NET_SYSTEM_TRAY_S{display.get_default_screen()}")
    opcode = display.intern_atom("_NET_SYSTEM_TRAY_OPCODE")
    manager = display.intern_atom("MANAGER")
    host.set_selection_owner(selection, Xlib.X.CurrentTime)
    display.sync()
    announce = event.ClientMessage(
        window=screen.root, client_type=manager, data=(32, [Xlib.X.CurrentTime, selection, host.id, 0, 0])
    )
    screen.root.send_event(announce, event_mask=Xlib.X.StructureNotifyMask)
    display.flush()
    print("READY", flush=True)
    while True:
        ev = display.next_event()
        if ev.type == Xlib.X.ClientMessage and ev.client_type == opcode and ev.data[1][1] == 0:
            icon = display.create_resource_object("window", ev.data[1][2])
            icon.reparent(host, 0, 0)
            icon.configure(x=0, y=0, width=SIZE, height=SIZE)
            icon.map()
            display.flush()
            print("DOCKED", flush=True)


if __name__ == "__main__":
    sys.exit(main())
