"""B4: 8 h × 8 patients replayed as fast as possible through the real ingest path.

A Room (the services main.py builds) on a real SQLite file gets 8 beds checked in to chairs 1–8,
each dosed (monitoring). Every simulated second each bed's monitor sends one message: HR, SpO2,
PR, RR, EtCO2 and temperature, the last cuff measurement (a new one every 5 min, repeated in every
message with its measurement_key, as the Ivy monitor does: stored once) and one second of 75 Hz
pleth. The messages go through ``bed.vitals.ingest(protocol, items, at, port)`` with simulated
host times (the beds an eighth of a second apart), as fast as the loop goes; the Qt event loop
runs between rounds, so each bed's own 500 ms batch timer commits what arrived since its last
batch: the real ingest path decides the transactions, as it would replaying a capture.

The floor: the same rows (values, integer sample times, packed pleth) inserted with sqlite3 ``executemany``
into a copy of the same database (same schema and PRAGMAs, and as many transactions per bed as the
replay made), timed around the inserts and commits only. Shared helpers for B6 and B12 (a seeded room, monitor messages) live
here too.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sqlite3
import struct
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.ingest import percentile  # noqa: E402
from console.clock import Clock, FakeClock  # noqa: E402
from console.domain.lifecycle import SessionState  # noqa: E402
from console.domain.people import PatientDraft, StaffRole  # noqa: E402
from console.domain.vitals import Parameter, VitalPoint  # noqa: E402
from console.settings import Settings  # noqa: E402
from console.store.account_repository import AccountRepository  # noqa: E402
from console.store.database import Store  # noqa: E402
from console.store.repositories import PeopleRepository  # noqa: E402
from console.store.types import to_micros  # noqa: E402
from devices.base import Reading, WaveformChunk  # noqa: E402
from devices.simulator.physiology import pleth_sample  # noqa: E402

BEDS = 8
PROTOCOL = "ivy"
PLETH_HZ = 75
NIBP_EVERY_S = 300
TARGET_S = 60.0  # for 8 h
TARGET_MB = 150.0  # for 8 h
PASSWORD = "bench password 1"
START = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
CONTINUOUS = (
    (Parameter.HR, "/min"),
    (Parameter.SPO2, "%"),
    (Parameter.PR, "/min"),
    (Parameter.RR, "/min"),
    (Parameter.ETCO2, "mmHg"),
    (Parameter.TEMP, "°C"),
)
CUFF = ((Parameter.NIBP_SYS, 0), (Parameter.NIBP_DIA, 1), (Parameter.NIBP_MEAN, 2))


# ---- shared with bench/overview.py and bench/bed_switch.py ------------------------------------
@dataclass
class Clinic:
    """A room, its staff (the nurse has an account) and one patient per bed."""

    room_id: int
    nurse_id: int
    therapist_id: int
    patient_ids: list[int]


def seed_clinic(store: Store, at: datetime, beds: int = BEDS) -> Clinic:
    """Staff, a room and ``beds`` patients; the nurse gets the account "nurse" (cheap hash)."""
    from argon2 import PasswordHasher, profiles

    people = PeopleRepository(store)
    therapist = people.add_staff("Alex Morgan", StaffRole.THERAPIST)
    nurse = people.add_staff("Jordan Lee, RN", StaffRole.NURSE)
    room = people.add_room("Room 1")
    patients = [
        people.add_patient(
            PatientDraft(f"P. {chr(65 + n)}.", f"MRN-{1000 + n}", date(1980 + n, 1 + n, 1), 70.0),
            at,
        ).id
        for n in range(beds)
    ]
    hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)  # sign-in speed is not measured
    AccountRepository(store).give_account(nurse.id, "nurse", hasher.hash(PASSWORD))
    return Clinic(room.id, nurse.id, therapist.id, patients)


def check_in_room(services, clinic: Clinic) -> list:  # type: ignore[no-untyped-def]
    """Check every patient in to chairs 1… through the room, then baseline and monitoring (T0 now)."""
    beds = []
    for chair, patient in enumerate(clinic.patient_ids, start=1):
        bed = services.room.check_in(
            patient,
            clinic.room_id,
            chair,
            clinic.therapist_id,
            clinic.nurse_id,
            by_staff_id=clinic.nurse_id,
        )
        bed.session.transition(SessionState.BASELINE, clinic.nurse_id)
        bed.session.transition(SessionState.MONITORING, clinic.nurse_id)
        beds.append(bed)
    return beds


def build(store: Store, clock: Clock, tmp: Path):  # type: ignore[no-untyped-def]
    """The services main.py builds, over ``store``, with default settings."""
    from main import build_services

    return build_services(store, clock, tmp / "spool.jsonl", Settings())


def effect(minutes: np.ndarray) -> np.ndarray:
    """The simulator's dose response (devices.simulator.physiology.dose_response), vectorised."""
    x = np.clip(minutes / 40.0, 0.0, None)
    return x**3 * np.exp(3.0 * (1.0 - x))


@dataclass
class MonitorTrack:
    """One patient's monitor for ``seconds`` seconds from T0: values per second, pleth chunks."""

    values: np.ndarray  # (seconds, 6) in CONTINUOUS order
    cuff: np.ndarray  # (seconds // NIBP_EVERY_S + 1, 3): sys, dia, mean
    pleth: list[tuple[int, ...]]  # 5 one-second chunks that loop seamlessly (6 beats at 72/min)

    @classmethod
    def make(cls, seconds: int, seed: int, offset_s: int = 0) -> MonitorTrack:
        rng = np.random.default_rng(seed)
        t = (np.arange(seconds) + offset_s) / 60.0
        e = effect(t)
        hr = 72 + 10 * e + rng.normal(0, 1.2, seconds)
        values = np.column_stack(
            [
                hr,
                np.clip(98 + rng.choice([-1, 0, 0, 0, 1], seconds), 0, 100),
                hr,
                14 + 2 * e + rng.normal(0, 0.5, seconds),
                37 - 2 * e + rng.normal(0, 0.6, seconds),
                36.7 + 0.1 * e + rng.normal(0, 0.03, seconds),
            ]
        ).round(0)
        values[:, 5] = (36.7 + 0.1 * e + rng.normal(0, 0.03, seconds)).round(1)
        cycles = np.arange(0, seconds + NIBP_EVERY_S, NIBP_EVERY_S)
        ce = effect((cycles + offset_s) / 60.0)
        sbp = 122 + 16 * ce + rng.normal(0, 1.5, len(cycles))
        dbp = 78 + 11 * ce + rng.normal(0, 1.0, len(cycles))
        cuff = np.column_stack([sbp, dbp, dbp + (sbp - dbp) / 3]).round(0)
        loop = [pleth_sample(i / PLETH_HZ, 72.0) for i in range(5 * PLETH_HZ)]
        pleth = [tuple(loop[i * PLETH_HZ : (i + 1) * PLETH_HZ]) for i in range(5)]
        return cls(values, cuff, pleth)

    def message(self, second: int, bed: int) -> list[Reading | WaveformChunk]:
        """What the monitor decodes to in one second (what a reader's batch would carry)."""
        row = self.values[second].tolist()
        items: list[Reading | WaveformChunk] = [
            Reading(parameter, value, unit)
            for (parameter, unit), value in zip(CONTINUOUS, row, strict=True)
        ]
        cycle = second // NIBP_EVERY_S
        key = f"nibp:{bed}:{cycle}"
        cuff = self.cuff[cycle].tolist()
        items += [Reading(p, cuff[i], "mmHg", measurement_key=key) for p, i in CUFF]
        items.append(WaveformChunk("pleth", float(PLETH_HZ), self.pleth[second % 5]))
        return items

    def points(self, start: datetime, source: str = PROTOCOL, device: str = "") -> list[VitalPoint]:
        """The stored history these values make (the cuff once per cycle), for seeding."""
        points: list[VitalPoint] = []
        for second, row in enumerate(self.values.tolist()):
            at = start + timedelta(seconds=second)
            points += [
                VitalPoint(p, v, at, source, None, None, None, device)
                for (p, _), v in zip(CONTINUOUS, row, strict=True)
            ]
            if second % NIBP_EVERY_S == 0:
                key = f"nibp:{second // NIBP_EVERY_S}"
                cuff = self.cuff[second // NIBP_EVERY_S].tolist()
                points += [
                    VitalPoint(p, cuff[i], at, source, None, key, None, device) for p, i in CUFF
                ]
        return points


def row(metric: str, figure: str, target: str = "", verdict: str = "") -> None:
    print(f"{metric:52} {figure:>14} {target:>14}  {verdict}")


def db_megabytes(path: Path) -> float:
    """The file plus its -wal (after a checkpoint the -wal is empty)."""
    wal = path.with_name(path.name + "-wal")
    return (path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)) / 2**20


def checkpoint(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


# ---- B4 -------------------------------------------------------------------------------------
def replay(beds: list, tracks: list[MonitorTrack], seconds: int, clock: FakeClock) -> None:  # type: ignore[type-arg]
    """Each simulated second every bed's message is ingested; the event loop then runs, so the
    beds' batch timers commit on their own schedule (500 ms of wall time)."""
    from PySide6.QtCore import QCoreApplication

    offsets = [bed_index / len(beds) for bed_index in range(len(beds))]  # 0, 0.125, … s
    ports = [f"/dev/ttyUSB{i}" for i in range(len(beds))]
    arrive = [timedelta(seconds=o) for o in offsets]
    for second in range(seconds):
        base = START + timedelta(seconds=second)
        for i, bed in enumerate(beds):
            bed.vitals.ingest(PROTOCOL, tracks[i].message(second, i), base + arrive[i], ports[i])
        clock.advance(timedelta(seconds=1))
        QCoreApplication.processEvents()
    for bed in beds:
        bed.vitals.flush()


def floor(
    path: Path,
    session_ids: list[int],
    tracks: list[MonitorTrack],
    seconds: int,
    commits: dict[int, int],
) -> float:
    """Seconds spent in sqlite3 executemany + commit for the same rows, with as many commits per
    bed as the replay made (``commits``: session id → transactions)."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("busy_timeout = 1500", "foreign_keys = ON", "journal_mode = WAL"):
        connection.execute(f"PRAGMA {pragma}")
    connection.execute("PRAGMA synchronous = FULL")
    vitals_sql = (
        "INSERT INTO vital_sample (session_id, source, device, parameter, value, unit, "
        "device_time, host_time, entered_by_id, measurement_key) VALUES (?,?,?,?,?,?,?,?,?,?)"
    )
    wave_sql = (
        "INSERT INTO waveform_blob (session_id, name, rate_hz, start_time, samples) "
        "VALUES (?,?,?,?,?)"
    )
    packed = [[struct.pack(f"<{PLETH_HZ}h", *c) for c in t.pleth] for t in tracks]

    def text(at: datetime) -> str:
        return at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    spent = 0.0
    last_key: dict[int, str] = {}
    every = {sid: max(1, seconds // max(1, commits.get(sid, seconds))) for sid in session_ids}
    open_rows: dict[int, list[tuple[object, ...]]] = {sid: [] for sid in session_ids}
    open_blobs: dict[int, list[tuple[object, ...]]] = {sid: [] for sid in session_ids}

    def commit(sid: int) -> float:
        began = time.perf_counter()
        connection.execute("BEGIN")
        connection.executemany(vitals_sql, open_rows[sid])
        connection.executemany(wave_sql, open_blobs[sid])
        connection.execute("COMMIT")
        open_rows[sid], open_blobs[sid] = [], []
        return time.perf_counter() - began

    for second in range(seconds):
        for i, sid in enumerate(session_ids):
            at = START + timedelta(seconds=second + i / len(session_ids))
            host = to_micros(at)  # as the store keeps a sample's arrival
            port = f"/dev/ttyUSB{i}"
            values = tracks[i].values[second].tolist()
            rows = [
                (sid, PROTOCOL, port, p.value, v, u, None, host, None, None)
                for (p, u), v in zip(CONTINUOUS, values, strict=True)
            ]
            cycle = second // NIBP_EVERY_S
            key = f"nibp:{i}:{cycle}"
            if last_key.get(i) != key:
                last_key[i] = key
                cuff = tracks[i].cuff[cycle].tolist()
                rows += [
                    (sid, PROTOCOL, port, p.value, cuff[n], "mmHg", None, host, None, key)
                    for p, n in CUFF
                ]
            blob = (
                sid,
                "pleth",
                float(PLETH_HZ),
                text(at - timedelta(seconds=1)),
                packed[i][second % 5],
            )
            open_rows[sid].extend(rows)
            open_blobs[sid].append(blob)
            if (second + 1) % every[sid] == 0:
                spent += commit(sid)
    for sid in session_ids:
        if open_rows[sid] or open_blobs[sid]:
            spent += commit(sid)
    connection.close()
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=8.0, help="simulated hours (default 8)")
    parser.add_argument("--profile", action="store_true", help="cProfile the replay, print the top")
    args = parser.parse_args()
    seconds = round(args.hours * 3600)
    scale = args.hours / 8.0

    from PySide6.QtCore import QCoreApplication

    app = QCoreApplication.instance() or QCoreApplication([])
    tmp = Path(tempfile.mkdtemp(prefix="vigil-b4-"))
    try:
        path = tmp / "room.sqlite3"
        store = Store.open(f"sqlite:///{path}")
        clock = FakeClock(START)
        clinic = seed_clinic(store, START)
        services = build(store, clock, tmp)
        services.room.load()
        beds = check_in_room(services, clinic)
        services.start()
        session_ids = [bed.session_id for bed in beds]
        tracks = [MonitorTrack.make(seconds, seed=n + 1) for n in range(BEDS)]
        # the floor starts from the same database: schema, staff, sessions
        checkpoint(path)
        floor_path = tmp / "floor.sqlite3"
        shutil.copy(path, floor_path)
        before_mb = db_megabytes(path)

        writes: list[float] = []
        per_bed: dict[int, int] = {}
        original = services.writer.write

        def timed_write(command):  # type: ignore[no-untyped-def]
            began = time.perf_counter()
            outcome = original(command)
            writes.append(time.perf_counter() - began)
            sid = getattr(command, "session_id", None)
            if sid is not None:
                per_bed[sid] = per_bed.get(sid, 0) + 1
            return outcome

        services.writer.write = timed_write  # type: ignore[method-assign]
        profiler = cProfile.Profile() if args.profile else None
        cpu0, began = time.process_time(), time.perf_counter()
        if profiler is not None:
            profiler.enable()
        replay(beds, tracks, seconds, clock)
        if profiler is not None:
            profiler.disable()
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu0
        app.processEvents()
        services.stop()
        pending = services.writer.pending
        with store.engine.connect() as connection:
            stored = connection.exec_driver_sql("SELECT count(*) FROM vital_sample").scalar_one()
            blobs = connection.exec_driver_sql("SELECT count(*) FROM waveform_blob").scalar_one()
        store.close()
        checkpoint(path)
        size_mb = db_megabytes(path)

        floor_s = floor(floor_path, session_ids, tracks, seconds, per_bed)
        checkpoint(floor_path)
        floor_mb = db_megabytes(floor_path)

        in_write = sum(writes)
        target_s, target_mb = TARGET_S * scale, TARGET_MB * scale
        print(
            f"B4 room replay: {args.hours:g} h × {BEDS} beds as fast as possible "
            f"({stored:,} samples, {blobs:,} pleth seconds, {len(writes):,} commits)"
        )
        note = "" if scale == 1 else f" (targets scaled to {args.hours:g} h)"
        row("metric" + note, "figure", "target", "verdict")
        row(
            "B4 replay wall time",
            f"{wall:.1f} s",
            f"≤ {target_s:.3g} s",
            "PASS" if wall <= target_s else "FAIL",
        )
        if scale != 1:
            row("   projected to 8 h", f"{wall / scale:.0f} s", f"≤ {TARGET_S:g} s")
        row("   CPU time of the process", f"{cpu:.1f} s")
        row("   in writer.write (SQLAlchemy + SQLite + fsync)", f"{in_write:.1f} s")
        row("   the rest: ingest, dedupe, alarms, pleth packing", f"{wall - in_write:.1f} s")
        row(
            "   per commit, median / p99",
            f"{percentile(writes, 50) * 1e3:.2f}/{percentile(writes, 99) * 1e3:.2f} ms",
        )
        row(
            "B4 database + -wal after checkpoint",
            f"{size_mb:.1f} MB",
            f"≤ {target_mb:.3g} MB",
            "PASS" if size_mb <= target_mb else "FAIL",
        )
        if scale != 1:
            row(
                "   projected to 8 h",
                f"{before_mb + (size_mb - before_mb) / scale:.0f} MB",
                f"≤ {TARGET_MB:g} MB",
            )
        row("floor: raw sqlite3 executemany, same rows + commits", f"{floor_s:.1f} s")
        row("   ratio replay / floor", f"{wall / floor_s:.1f}×")
        row("   ratio writer.write / floor", f"{in_write / floor_s:.1f}×")
        row("   floor database size", f"{floor_mb:.1f} MB")
        if pending:
            print(f"({pending} entries were left in the spool: the database refused some)")
        if profiler is not None:
            print()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
