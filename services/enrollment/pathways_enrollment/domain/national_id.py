"""Thai national identification number (PIN) validation. Standard library only.

A PIN has 13 digits, shown as ``#-####-#####-##-#``. The last digit is a check digit:
multiply digits 1-12 by 13, 12, ..., 2, sum to S; the check digit is
``(11 - S mod 11) mod 10``.
A first digit of 0 or 9 is not a citizen PIN and is rejected. Thai digits (๐-๙), as Thai forms may
write it, are read as 0-9.

Error messages never echo the number itself, so they are safe to log (PDPA data
minimisation).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "NATIONAL_ID_LENGTH",
    "InvalidNationalIdError",
    "NationalIdErrorReason",
    "check_digit",
    "format_national_id",
    "is_valid_national_id",
    "normalise_national_id",
    "thai_digits_as_arabic",
]

NATIONAL_ID_LENGTH = 13
_DIGITS = frozenset("0123456789")
_SEPARATORS = frozenset("- ")
_NON_CITIZEN_FIRST_DIGITS = frozenset("09")
_GROUPS = (1, 4, 5, 2, 1)  # #-####-#####-##-#


class NationalIdErrorReason(StrEnum):
    """Why a national ID was rejected."""

    WRONG_LENGTH = "wrong_length"
    NON_DIGIT = "non_digit"
    BAD_CHECK_DIGIT = "bad_check_digit"
    NOT_CITIZEN_PIN = "not_citizen_pin"


class InvalidNationalIdError(ValueError):
    """Raised for a malformed or invalid Thai national ID; ``reason`` says why."""

    def __init__(self, reason: NationalIdErrorReason, message: str) -> None:
        self.reason = reason
        super().__init__(f"invalid Thai national ID ({reason.value}): {message}")


def _only_ascii_digits(value: str) -> bool:
    return all(ch in _DIGITS for ch in value)


def check_digit(first12: str) -> int:
    """Check digit for the first 12 digits of a PIN.

    >>> check_digit("310060044563")
    5
    """
    if not _only_ascii_digits(first12):
        raise InvalidNationalIdError(
            NationalIdErrorReason.NON_DIGIT,
            "check digit input must contain only digits 0-9",
        )
    if len(first12) != NATIONAL_ID_LENGTH - 1:
        raise InvalidNationalIdError(
            NationalIdErrorReason.WRONG_LENGTH,
            f"check digit input must have {NATIONAL_ID_LENGTH - 1} digits, got {len(first12)}",
        )
    total = sum(int(d) * w for d, w in zip(first12, range(NATIONAL_ID_LENGTH, 1, -1), strict=True))
    return (11 - total % 11) % 10


THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def thai_digits_as_arabic(text: str) -> str:
    """Thai digits (๐-๙), as Thai forms may write an ID or a phone, as 0-9."""
    return text.translate(THAI_DIGITS)


def normalise_national_id(raw: str) -> str:
    """Return the 13 bare digits of a valid citizen PIN.

    Accepts surrounding whitespace, dashes/spaces between digits and Thai digits, e.g.
    ``"3-1006-00445-63-5"``, ``"3100600445635"`` or ``"๓๑๐๐๖๐๐๔๔๕๖๓๕"``. Raises
    :class:`InvalidNationalIdError` otherwise.
    """
    digits = "".join(ch for ch in thai_digits_as_arabic(raw).strip() if ch not in _SEPARATORS)
    if not _only_ascii_digits(digits):
        raise InvalidNationalIdError(
            NationalIdErrorReason.NON_DIGIT,
            "only digits 0-9 with optional dashes or spaces are allowed",
        )
    if len(digits) != NATIONAL_ID_LENGTH:
        raise InvalidNationalIdError(
            NationalIdErrorReason.WRONG_LENGTH,
            f"expected {NATIONAL_ID_LENGTH} digits, got {len(digits)}",
        )
    if digits[0] in _NON_CITIZEN_FIRST_DIGITS:
        raise InvalidNationalIdError(
            NationalIdErrorReason.NOT_CITIZEN_PIN,
            f"first digit {digits[0]} is not a citizen PIN (must be 1-8); register a person without one with no "
            "national ID (their registrations are then not checked for duplicates)",
        )
    if check_digit(digits[:-1]) != int(digits[-1]):
        raise InvalidNationalIdError(NationalIdErrorReason.BAD_CHECK_DIGIT, "check digit does not match")
    return digits


def is_valid_national_id(raw: str) -> bool:
    """True if ``raw`` normalises to a valid citizen PIN."""
    try:
        normalise_national_id(raw)
    except InvalidNationalIdError:
        return False
    return True


def format_national_id(nid: str) -> str:
    """Format a valid PIN as ``#-####-#####-##-#`` (input may already be formatted)."""
    digits = normalise_national_id(nid)
    parts: list[str] = []
    start = 0
    for size in _GROUPS:
        parts.append(digits[start : start + size])
        start += size
    return "-".join(parts)
