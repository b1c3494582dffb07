"""Test helpers: a receiver process on a known port, and strict parsing of what it got."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.core import Message
from hl7apy.parser import parse_message

PROJECT = Path(__file__).resolve().parents[3]
RECEIVER = Path(__file__).with_name("receiver.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Receiver:
    """Vigil's MLLP listener in another process, logging what it receives."""

    def __init__(self, port: int, log: Path, mode: str = "") -> None:
        self.port, self.log, self.mode = port, log, mode
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> Receiver:
        self.process = subprocess.Popen(
            [sys.executable, str(RECEIVER), str(self.port), str(self.log), self.mode],
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.strip() == "listening", line
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None

    def messages(self) -> list[str]:
        """Every message received, in order, segments separated by CR."""
        if not self.log.exists():
            return []
        return [
            line.replace("\x1e", "\r")
            for line in self.log.read_text(encoding="utf-8").split("\n")
            if line
        ]


def strict(text: str) -> Message:
    """The message parsed and validated by hl7apy in strict mode (raises on any fault)."""
    message = parse_message(text, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
    assert message.validate() is True
    return message


def control_id(text: str) -> str:
    return text.split("\r", 1)[0].split("|")[9]


def wait_until(predicate, timeout: float = 20.0, step: float = 0.05) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(step)
    raise AssertionError("condition not met in time")
