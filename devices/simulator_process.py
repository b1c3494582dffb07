"""Starts the simulator as a child process and hands back the port it opened (demo mode, tests)."""

from __future__ import annotations

import selectors
import subprocess
import sys
import threading
import time
from dataclasses import dataclass


class SimulatorError(RuntimeError):
    """The simulator did not start or did not say which port it opened."""


@dataclass
class SimulatorProcess:
    """A running simulator: its process and the port (pty path or TCP address) to connect to."""

    process: subprocess.Popen[str]
    port: str
    drain: threading.Thread | None = None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.drain is not None:
            self.drain.join(timeout=2)
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_simulator(protocol: str, *args: str, timeout_s: float = 15.0) -> SimulatorProcess:
    """Run ``python -m devices.simulator --protocol P ARGS`` and wait for its PORT/TCP line."""
    process = subprocess.Popen(
        [sys.executable, "-m", "devices.simulator", "--protocol", protocol, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + timeout_s
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(max(0.0, deadline - time.monotonic())):
                break
            line = process.stdout.readline()
            if not line:
                break
            kind, _, where = line.strip().partition(" ")
            if kind in ("PORT", "TCP") and where:
                # keep reading its later lines (events, reconnects) so the pipe never fills up
                stdout = process.stdout
                drain = threading.Thread(target=stdout.read, daemon=True)
                drain.start()
                return SimulatorProcess(process, where, drain)
    SimulatorProcess(process, "").stop()
    raise SimulatorError(f"the {protocol} simulator did not start (exit code {process.poll()})")
