"""`vigil audit verify`: walk the keyed audit chain, compare its anchor, name what broke."""

from __future__ import annotations

from console.store.audit_repository import AuditRepository
from console.store.database import Store

EXIT_BROKEN = 4


def verify(store: Store) -> tuple[int, str]:
    """(exit code, message): 0 when every entry holds, EXIT_BROKEN naming the first that does not."""
    audit = AuditRepository(store)
    report = audit.check()
    checked, broken = report.checked, report.broken
    if broken is None:
        if report.legacy_until and report.legacy_until == report.last_seq:
            segments = f"all {checked} in the legacy (unkeyed) segment"
        elif report.legacy_until:
            segments = (
                f"legacy segment up to number {report.legacy_until}, "
                f"keyed from number {report.legacy_until + 1}"
            )
        else:
            segments = "every entry keyed" if checked else "nothing written yet"
        anchored = (
            f"head anchored at number {report.anchored}"
            if report.anchored is not None
            else "no anchor for this trail here, so removal of its newest entries cannot be seen"
        )
        return (
            0,
            f"audit trail intact: {checked} entries checked, each linked to the one before "
            f"({segments}; {anchored}; key {audit.key.path})",
        )
    where = (f"entry id {broken.id}" if broken.id else "the end of the trail") + (
        f" (number {broken.seq})" if broken.seq else ""
    )
    return (
        EXIT_BROKEN,
        f"audit trail BROKEN at {where}: {broken.reason}. {checked} entries read.",
    )
