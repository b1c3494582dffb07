"""The outbound sender alone in a process (for the kill test): ``sender_proc.py DATABASE_URL``."""

from __future__ import annotations

import sys
import time

from console.outbound.sender import OutboundSender


def main() -> int:
    sender = OutboundSender(sys.argv[1], backoff_max_s=0.5)
    sender.start()
    print("started", flush=True)
    while True:  # until killed
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
