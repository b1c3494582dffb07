from __future__ import annotations

import pytest

from console.errors import ValidationFailed
from console.services.signatures import PinSigner


def test_a_pin_signs_and_a_wrong_one_does_not(sqlite_clinic, sqlite_store, clock):
    signer = PinSigner(sqlite_clinic.people)
    nurse = sqlite_clinic.nurse.id
    assert not signer.has_secret(nurse)
    with pytest.raises(ValidationFailed, match="no PIN yet"):
        signer.sign(nurse, "1234", "discharged by", clock.now())
    with pytest.raises(ValidationFailed, match="4 to 8 digits"):
        signer.set_pin(nurse, "12a")
    signer.set_pin(nurse, "4821")
    assert signer.has_secret(nurse)
    with pytest.raises(ValidationFailed, match="not right"):
        signer.sign(nurse, "4822", "discharged by", clock.now())
    signature = signer.sign(nurse, "4821", "discharged by", clock.now())
    assert (signature.printed_name, signature.meaning, signature.at) == (
        "Jordan Lee",
        "discharged by",
        clock.now(),
    )
