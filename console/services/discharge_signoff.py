"""The discharge's two signed acts: ticking a contradicted item anyway, and the sign-off.

Each checks what it needs, verifies the password before anything is stored, stores the
override (flagged for supervisor review) or the signed record, and audits it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from console.domain.audit import AuditAction, discharge_digest
from console.domain.discharge import (
    DischargeDraft,
    ItemOverride,
    SignedDischarge,
    validate_item_override,
    validate_override,
)
from console.domain.events import Override, OverrideKind
from console.domain.sessions import SessionRecord
from console.errors import FieldError, ValidationFailed
from console.services.access import Access
from console.services.discharge_state import DischargeState
from console.services.signatures import Signature, Signer
from console.store.discharge_repository import DischargeRepository
from console.store.workflow_repository import WorkflowRepository

MEANING_DISCHARGE = "discharged by"
MEANING_OVERRIDE = "discharge override by"
MEANING_ITEM_OVERRIDE = "checklist override by"


class SignOff:
    """Signs, stores and audits for one bed's discharge service."""

    def __init__(
        self,
        signer: Signer,
        workflow: WorkflowRepository,
        discharges: DischargeRepository,
        access: Access,
    ) -> None:
        self._signer = signer
        self._workflow = workflow
        self._discharges = discharges
        self._access = access

    def item_override(
        self,
        record: SessionRecord,
        item_id: str,
        against: str,
        staff_id: int,
        reason: str,
        secret: str,
        now: datetime,
    ) -> ItemOverride:
        """A tick the record contradicts (``against``), signed "checklist override by"."""
        errors = validate_item_override(reason, against)
        if not secret:
            errors.append(FieldError("item_pin", "Enter your password to sign the override."))
        if errors:
            raise ValidationFailed(errors)
        try:
            signature = self._signer.sign(staff_id, secret, MEANING_ITEM_OVERRIDE, now)
        except ValidationFailed as failed:
            raise ValidationFailed(
                [FieldError("item_pin", e.message) for e in failed.errors]
            ) from None
        reason = reason.strip()
        override = self._store_override(
            Override(
                str(uuid.uuid4()),
                record.id,
                OverrideKind.CHECKLIST,
                reason,
                staff_id,
                now,
                {"item": item_id, "against": against, "printed_name": signature.printed_name},
            ),
            {"kind": "checklist", "item": item_id},
        )
        return ItemOverride(override.uid, reason, against)

    def discharge(
        self,
        record: SessionRecord,
        state: DischargeState,
        draft: DischargeDraft,
        signer_id: int,
        pin: str,
        override_reason: str,
        now: datetime,
    ) -> tuple[SignedDischarge, Signature]:
        """Sign off ``draft`` as evaluated in ``state``; open items need a reason (overridden).

        Both signatures are verified before anything is stored, so a wrong PIN leaves no trace.
        """
        blockers = list(state.blockers)
        reason = override_reason.strip()
        if blockers and not reason:
            raise ValidationFailed([FieldError("blockers", text) for text in blockers])
        if blockers:
            errors = validate_override(override_reason)
            if errors:
                raise ValidationFailed(errors)
        override_signature = (
            self._signer.sign(signer_id, pin, MEANING_OVERRIDE, now) if blockers else None
        )
        signature = self._signer.sign(signer_id, pin, MEANING_DISCHARGE, now)
        override_uid = None
        if override_signature is not None:
            override = Override(
                str(uuid.uuid4()),
                record.id,
                OverrideKind.DISCHARGE,
                reason,
                signer_id,
                now,
                {"open_items": blockers},
            )
            override_uid = self._store_override(override, {"kind": "discharge"}).uid
        signed = SignedDischarge(
            draft=draft,
            open_items=tuple(blockers),
            padss_total=state.padss.score.total if state.padss.score else None,
            rems_total_minutes=state.rems.total_minutes if state.rems is not None else None,
            rems_ready_minutes=state.rems.ready_minutes if state.rems is not None else None,
            rems=state.rems is not None,
            override_uid=override_uid,
            signature_name=signature.printed_name,
            signature_meaning=signature.meaning,
            signature_at=now,
        )
        data = signed.to_json()
        self._discharges.sign(record.id, data, signer_id, now)
        self._access.audit.record(
            AuditAction.SIGN,
            "discharge",
            record.id,
            signer_id,
            {
                "meaning": signature.meaning,
                "printed_name": signature.printed_name,
                "digest": discharge_digest(data, signer_id, now),
            },
            at=now,
        )
        return signed, signature

    def _store_override(self, override: Override, detail: dict[str, object]) -> Override:
        """Store a signed override (flagged for review) and audit it; returns it."""
        self._workflow.add_override(override)
        self._access.audit.record(
            AuditAction.OVERRIDE,
            "override",
            override.uid,
            override.signed_by_id,
            {"session_id": override.session_id, **detail, "reason": override.reason},
            at=override.signed_at,
        )
        return override
