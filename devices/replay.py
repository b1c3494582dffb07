"""`vigil replay --protocol P FILE`: decode a capture file and print its readings as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from devices.base import Decoded, Decoder, Reading
from devices.registry import available_drivers

__all__ = ["CHUNK_SIZE", "main", "reading_json", "replay_file"]

CHUNK_SIZE = 4096  # read like a serial reader would: in chunks, never the whole file at once


def reading_json(reading: Reading) -> str:
    """One Reading as a compact JSON object (t_device ISO 8601 or null)."""
    return json.dumps(
        {
            "t_device": reading.t_device.isoformat() if reading.t_device else None,
            "parameter": reading.parameter.value,
            "value": reading.value,
            "unit": reading.unit,
            "flags": list(reading.flags),
        },
        ensure_ascii=False,
    )


def replay_file(path: str, decoder: Decoder, out: TextIO) -> int:
    """Feed the file to ``decoder`` chunk by chunk, writing each Reading; return the count.

    Raises OSError when the file cannot be opened or read.
    """
    count = 0
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK_SIZE):
            items: list[Decoded] = decoder.feed(chunk)
            for item in items:
                if isinstance(item, Reading):
                    out.write(reading_json(item) + "\n")
                    count += 1
    return count


def main(argv: Sequence[str] | None = None) -> int:
    """Run the replay command; 0 on success, 2 for an unknown protocol, 1 for an unreadable file."""
    drivers = available_drivers()
    parser = argparse.ArgumentParser(
        prog="vigil replay",
        description="Decode a device capture file and print one JSON object per reading.",
    )
    parser.add_argument(
        "--protocol", required=True, help=f"one of: {', '.join(drivers) or '(none found)'}"
    )
    parser.add_argument("file", help="capture file (raw bytes as received from the device)")
    args = parser.parse_args(None if argv is None else list(argv))
    driver = drivers.get(args.protocol)
    if driver is None:
        print(
            f"vigil replay: unknown protocol {args.protocol!r}; known: {', '.join(drivers)}",
            file=sys.stderr,
        )
        return 2
    decoder = driver.decoder_factory()
    try:
        count = replay_file(args.file, decoder, sys.stdout)
    except OSError as exc:
        print(f"vigil replay: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    sys.stdout.flush()
    stats = decoder.stats
    unknown = ", ".join(sorted(stats.unknown_fields)) or "none"
    print(
        f"{driver.name}: {count} readings; frames good={stats.good_frames} "
        f"bad={stats.bad_frames} resyncs={stats.resyncs} out_of_range={stats.out_of_range}; "
        f"unknown fields: {unknown}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
