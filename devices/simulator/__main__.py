"""Command line: stream a simulated monitor's real protocol bytes to a pty or an HL7 listener."""

from __future__ import annotations

import argparse
import random
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TextIO

from devices.simulator import (
    DEFAULT_CABLE_PULL_S,
    DEFAULT_GARBAGE_BYTES,
    EVENTS,
    PROTOCOLS,
    EventSpec,
    Link,
    PtyLink,
    Scenario,
    TcpLink,
    make_source,
)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devices.simulator",
        description="Simulated bedside monitor. Prints 'PORT <path>' (pty) or 'TCP <host:port>'.",
    )
    parser.add_argument("--protocol", choices=PROTOCOLS, required=True)
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per second")
    parser.add_argument(
        "--event",
        action="append",
        default=[],
        metavar="NAME@SECONDS[:ARG]",
        help=f"scripted event, NAME in {', '.join(EVENTS)}; ARG: duration in s (cable_pull, "
        "hypertensive, desaturation, sensor_off), byte count (garbage), minutes (clock_skew)",
    )
    parser.add_argument("--t0-offset-min", type=float, default=-5.0, help="minutes since T0")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tcp", action="store_true", help="hl7: connect to a listener")
    parser.add_argument("--connect", default=None, metavar="HOST:PORT", help="implies --tcp")
    parser.add_argument("--link", default=None, help="pty: path of the stable symlink")
    parser.add_argument("--duration", type=float, default=None, help="stop after N seconds")
    args = parser.parse_args(argv)
    if args.connect is not None:
        args.tcp = True
    if args.tcp and args.protocol != "hl7":
        parser.error("--tcp/--connect is for --protocol hl7")
    if args.speed <= 0:
        parser.error("--speed must be positive")
    try:
        args.events = tuple(EventSpec.parse(text) for text in args.event)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def run(
    source_protocol: str,
    link: Link,
    scenario: Scenario,
    *,
    speed: float,
    t0_offset_min: float,
    seed: int,
    out: TextIO,
    should_stop: list[bool],
    duration_s: float | None = None,
) -> None:
    """Stream until ``should_stop[0]`` turns true (or ``duration_s`` wall seconds pass)."""
    source = make_source(source_protocol, datetime.now(UTC), t0_offset_min, seed)
    rng = random.Random(seed)
    started = time.monotonic()
    next_step = 0.0  # simulated seconds
    pending = sorted(scenario.events, key=lambda e: e.start_s)
    replug_at: float | None = None
    while not should_stop[0]:
        now = time.monotonic()
        if duration_s is not None and now - started >= duration_s:
            break
        sim = (now - started) * speed
        while pending and pending[0].start_s <= sim:
            event = pending.pop(0)
            if event.name == "cable_pull":
                link.hang_up()
                hang_up = getattr(source, "hang_up", None)  # a source that keeps host requests
                if hang_up is not None:
                    hang_up()
                replug_at = event.start_s + (event.arg or DEFAULT_CABLE_PULL_S)
            elif event.name == "garbage":
                count = int(event.arg or DEFAULT_GARBAGE_BYTES)
                link.write(bytes(rng.randrange(256) for _ in range(count)))
            print(f"EVENT {event.name} {event.start_s:g}", file=out, flush=True)
        if replug_at is not None and sim >= replug_at:
            replug_at = None
            link.reconnect()
            print("EVENT cable_back", file=out, flush=True)
        while next_step <= sim:
            data, delay = source.step(next_step, scenario.state_at(next_step))
            link.write(data)
            next_step += delay
        incoming = link.read_available()  # HL7 ACKs, an S/5 host's requests, or stray bytes
        receive = getattr(source, "receive", None)  # a source that answers the host
        if incoming and receive is not None:
            receive(incoming)
        wake = min([next_step] + [e.start_s for e in pending[:1]])
        time.sleep(min(0.05, max(0.0, (wake - sim) / speed)))


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m devices.simulator``."""
    args = _parse(argv)
    should_stop = [False]

    def _stop(signum: int, frame: FrameType | None) -> None:
        should_stop[0] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    link: Link
    workdir: tempfile.TemporaryDirectory[str] | None = None
    if args.tcp:
        host, _, port = (args.connect or "127.0.0.1:2575").rpartition(":")
        link = TcpLink(host or "127.0.0.1", int(port))
        link.reconnect()
        print(f"TCP {host}:{port}", flush=True)
    else:
        if args.link is None:
            workdir = tempfile.TemporaryDirectory(prefix="vigil-sim-")
            path = Path(workdir.name) / f"tty{args.protocol}"
        else:
            path = Path(args.link)
        pty_link = PtyLink(path)
        link = pty_link
        print(f"PORT {path}", flush=True)
        print(f"PTS {pty_link.slave_name}", flush=True)
    try:
        run(
            args.protocol,
            link,
            Scenario(args.events),
            speed=args.speed,
            t0_offset_min=args.t0_offset_min,
            seed=args.seed,
            out=sys.stdout,
            should_stop=should_stop,
            duration_s=args.duration,
        )
    finally:
        link.close()
        if workdir is not None:
            workdir.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
