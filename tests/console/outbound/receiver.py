"""A real HL7 receiver in its own process: Vigil's MLLP listener, logging every message it gets.

``python tests/console/outbound/receiver.py PORT LOG [reject]`` listens on 127.0.0.1:PORT and
appends each received message (one line, segments joined by "\\n" escaped as " | ") to LOG;
with ``reject`` every message is answered AR. It prints "listening" once bound.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer

from devices.mllp_listener import MllpListener
from devices.protocols import hl7
from devices.reader import ReaderState


def main() -> int:
    port, log, mode = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else ""
    app = QCoreApplication(sys.argv[:1])

    def handler(payload: bytes):  # type: ignore[no-untyped-def]
        with log.open("ab") as stream:
            stream.write(payload.replace(b"\r", b"\x1e") + b"\n")
        if mode == "reject":  # answer AR through the real parser: an unsupported type
            return hl7.handle_message(payload.replace(b"ORU^R01^ORU_R01", b"ORU^R99", 1))
        return hl7.handle_message(payload)

    listener = MllpListener(host="127.0.0.1", port=port, handler=handler)

    def on_status(status) -> None:  # type: ignore[no-untyped-def]
        if status.state is ReaderState.LISTENING:
            print("listening", flush=True)

    listener.statusChanged.connect(on_status)
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    timer = QTimer()
    timer.start(100)  # lets Python see SIGTERM
    timer.timeout.connect(lambda: None)
    listener.start()
    app.exec()
    listener.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
