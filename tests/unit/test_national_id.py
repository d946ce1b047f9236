"""Thai national ID (PIN) validation."""

from __future__ import annotations

import random

import pytest

from pathways_enrollment.domain.national_id import (
    InvalidNationalIdError,
    NationalIdErrorReason,
    check_digit,
    format_national_id,
    is_valid_national_id,
    normalise_national_id,
)

VALID = "3100600445635"
# The same digits in full-width form (U+FF10..U+FF19), which str.isdigit() would accept.
FULLWIDTH_VALID = "".join(chr(0xFF10 + int(d)) for d in VALID)


def _with_check(first12: str) -> str:
    return first12 + str(check_digit(first12))


def test_domain_example_check_digit() -> None:
    # S = 193, 193 mod 11 = 6, (11 - 6) mod 10 = 5
    assert check_digit("310060044563") == 5


@pytest.mark.parametrize(
    ("first12", "expected"),
    [
        ("000000000000", 1),  # S = 0: (11 - 0) mod 10 = 1
        ("000000000005", 1),  # S = 10: (11 - 10) mod 10 = 1
        ("000000000006", 0),  # S = 12, 12 mod 11 = 1: (11 - 1) mod 10 = 0
        ("100000000000", 9),  # S = 13, 13 mod 11 = 2: (11 - 2) mod 10 = 9
        ("110170020345", 0),  # S = 144, 144 mod 11 = 1: (11 - 1) mod 10 = 0
    ],
)
def test_check_digit_known_values(first12: str, expected: int) -> None:
    s = sum(int(d) * w for d, w in zip(first12, range(13, 1, -1), strict=True))
    assert (11 - s % 11) % 10 == expected
    assert check_digit(first12) == expected


def test_check_digit_rejects_bad_input() -> None:
    with pytest.raises(InvalidNationalIdError) as excinfo:
        check_digit("12345")
    assert excinfo.value.reason is NationalIdErrorReason.WRONG_LENGTH
    with pytest.raises(InvalidNationalIdError) as excinfo:
        check_digit("31006004456x")
    assert excinfo.value.reason is NationalIdErrorReason.NON_DIGIT


@pytest.mark.parametrize(
    "raw",
    [
        VALID,
        "3-1006-00445-63-5",
        "3 1006 00445 63 5",
        "  3100600445635\n",
        "3-1006 00445-63 5",
        "๓-๑๐๐๖-๐๐๔๔๕-๖๓-๕",  # Thai digits, as Thai forms may write it
    ],
)
def test_normalise_accepts_valid_forms(raw: str) -> None:
    assert normalise_national_id(raw) == VALID
    assert is_valid_national_id(raw)


def test_format() -> None:
    assert format_national_id(VALID) == "3-1006-00445-63-5"
    assert format_national_id("3-1006-00445-63-5") == "3-1006-00445-63-5"
    assert format_national_id(" 3 1006 00445 63 5 ") == "3-1006-00445-63-5"


def test_format_rejects_invalid() -> None:
    with pytest.raises(InvalidNationalIdError):
        format_national_id("3100600445636")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("3100600445636", NationalIdErrorReason.BAD_CHECK_DIGIT),
        ("3-1006-00445-63-4", NationalIdErrorReason.BAD_CHECK_DIGIT),
        ("310060044563", NationalIdErrorReason.WRONG_LENGTH),
        ("31006004456351", NationalIdErrorReason.WRONG_LENGTH),
        ("", NationalIdErrorReason.WRONG_LENGTH),
        ("---", NationalIdErrorReason.WRONG_LENGTH),
        ("31006004456x5", NationalIdErrorReason.NON_DIGIT),
        ("3.1006.00445.63.5", NationalIdErrorReason.NON_DIGIT),
        (FULLWIDTH_VALID, NationalIdErrorReason.NON_DIGIT),
        (_with_check("010060044563"), NationalIdErrorReason.NOT_CITIZEN_PIN),
        (_with_check("910060044563"), NationalIdErrorReason.NOT_CITIZEN_PIN),
    ],
)
def test_invalid_ids(raw: str, reason: NationalIdErrorReason) -> None:
    with pytest.raises(InvalidNationalIdError) as excinfo:
        normalise_national_id(raw)
    assert excinfo.value.reason is reason
    assert reason.value in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)
    assert not is_valid_national_id(raw)


def test_first_digit_0_or_9_rejected_even_with_valid_check_digit() -> None:
    for first in "09":
        nid = _with_check(first + "10060044563")
        with pytest.raises(InvalidNationalIdError, match="not a citizen PIN"):
            normalise_national_id(nid)


def test_error_message_does_not_leak_the_number() -> None:
    with pytest.raises(InvalidNationalIdError) as excinfo:
        normalise_national_id("3100600445636")
    assert "3100600445636" not in str(excinfo.value)
    assert "310060044563" not in str(excinfo.value)


def test_generated_ids_validate_and_any_other_check_digit_fails() -> None:
    rng = random.Random(20240601)
    for _ in range(500):
        first12 = str(rng.randint(1, 8)) + "".join(str(rng.randint(0, 9)) for _ in range(11))
        good = _with_check(first12)
        assert normalise_national_id(good) == good
        formatted = format_national_id(good)
        assert formatted.replace("-", "") == good
        assert [len(g) for g in formatted.split("-")] == [1, 4, 5, 2, 1]
        assert normalise_national_id(formatted) == good
        for wrong in "0123456789":
            if wrong != good[-1]:
                bad = first12 + wrong
                with pytest.raises(InvalidNationalIdError) as excinfo:
                    normalise_national_id(bad)
                assert excinfo.value.reason is NationalIdErrorReason.BAD_CHECK_DIGIT
