"""Free text a person typed: control characters other than newline and tab are refused."""

from __future__ import annotations

import unicodedata

from console.errors import FieldError

ALLOWED_CONTROLS = frozenset("\n\t")


def control_characters(text: str) -> list[str]:
    """The control characters in ``text`` that a note may not hold (NUL, escape, bell, …),
    each named once in the order found, as ``U+0000``.
    """
    found: list[str] = []
    for char in text:
        if char in ALLOWED_CONTROLS:
            continue
        if unicodedata.category(char) in ("Cc", "Cs") or char in "\u2028\u2029":
            name = f"U+{ord(char):04X}"
            if name not in found:
                found.append(name)
    return found


def check_text(field: str, text: str) -> list[FieldError]:
    """A message beside ``field`` when ``text`` holds a control character (newline and tab are
    fine), so that what is stored prints and exports as it was read.
    """
    found = control_characters(text)
    if not found:
        return []
    shown = ", ".join(found[:3]) + (" …" if len(found) > 3 else "")
    return [
        FieldError(
            field,
            f"This text holds an invisible control character ({shown}), often from a paste. "
            "Retype that part; only line breaks and tabs are kept.",
        )
    ]
