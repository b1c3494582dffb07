"""B11: the GUI thread never waits on the database (locked SQLite, a PostgreSQL that stops)."""

from __future__ import annotations

import importlib.util
import os
import sys
from types import ModuleType

import pytest

from tests.conftest import PROJECT, _postgres_problem

LOCK_S = 5.0


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("b11_db_stall", PROJECT / "bench/b11_db_stall.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def check(result, target_ms: float) -> None:
    assert result.longest_stall_ms <= target_ms, result
    assert result.ingested > 0 and result.stored == result.ingested, result
    assert result.notes_made > 0 and result.notes_stored == result.notes_made, result
    assert result.clock_ticks >= LOCK_S - 1, result  # the bed clock kept updating


@pytest.mark.slow
def test_the_event_loop_never_stalls_while_another_program_locks_the_database(qapp):
    b11 = bench()
    check(b11.run_sqlite(LOCK_S), b11.TARGET_MS)


@pytest.mark.slow
@pytest.mark.postgres
def test_the_event_loop_never_stalls_while_postgresql_stops_answering(qapp):
    problem = _postgres_problem()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and unreachable: {problem}")
        pytest.skip(f"PostgreSQL unreachable ({problem})")
    b11 = bench()
    check(b11.run_postgres(LOCK_S), b11.TARGET_MS)


@pytest.mark.postgres
def test_a_read_gives_way_at_once_when_an_idle_console_s_server_stops_answering(tmp_path):
    """No write is waiting: the writer's own check notices, and a read fails fast."""
    problem = _postgres_problem()
    if problem is not None:
        pytest.skip(f"PostgreSQL unreachable ({problem})")
    import threading
    import time

    from sqlalchemy.engine import make_url

    from console.errors import StoreUnavailable
    from console.store.database import Store
    from console.store.repositories import SessionRepository
    from console.store.spool import Spool
    from console.store.writer import DurableWriter, Targets

    b11 = bench()
    parsed = make_url(b11.PG_SERVER)
    relay = b11.Relay(parsed.host or "127.0.0.1", parsed.port or 5432)
    try:
        with b11.postgres_schema(b11.PG_SERVER) as schema:
            url = parsed.set(host="127.0.0.1", port=relay.port).render_as_string(
                hide_password=False
            )
            store = Store.open(f"{url}?options=-csearch_path%3D{schema}")
            writer = DurableWriter(Targets.for_store(store), Spool(tmp_path / "spool.jsonl"))
            writer.start()
            outcome: list[object] = []

            def read() -> None:
                started = time.monotonic()
                try:
                    SessionRepository(store).open_sessions()
                    outcome.append("answered")
                except StoreUnavailable:
                    outcome.append(time.monotonic() - started)

            with relay.frozen(10):
                time.sleep(3.5)  # the idle writer's check has found it stuck by now
                reader = threading.Thread(target=read, daemon=True)
                reader.start()
                reader.join(2.0)
                assert outcome and outcome[0] != "answered" and outcome[0] < 0.1, outcome
            writer.stop()
            store.close()
    finally:
        relay.stop()
