"""`vigil audit verify`: walk the audit trail's hash chain and name the first broken entry."""

from __future__ import annotations

from console.store.audit_repository import AuditRepository
from console.store.database import Store

EXIT_BROKEN = 4


def verify(store: Store) -> tuple[int, str]:
    """(exit code, message): 0 when every entry holds, EXIT_BROKEN naming the first that does not."""
    checked, broken = AuditRepository(store).verify()
    if broken is None:
        return 0, f"audit trail intact: {checked} entries checked, each linked to the one before"
    where = f"entry id {broken.id}" + (f" (number {broken.seq})" if broken.seq else "")
    return (
        EXIT_BROKEN,
        f"audit trail BROKEN at {where}: {broken.reason}. "
        f"{checked - 1 if checked else 0} entries before it hold.",
    )
