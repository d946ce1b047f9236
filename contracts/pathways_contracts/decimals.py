"""Decimal amounts (baht, hours, scores) written out in plain notation, as people write them.

``Decimal("1e5")`` is written ``"1E+5"`` by ``str()`` (and so in JSON): valid, but not what a
reader of an amount of money expects. Every decimal given in exponent notation is taken as the
same number written out (``"100000"``); one written out already is kept as it is, so the amounts
already published read back unchanged.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field

_SMALLEST_PLAIN_EXPONENT = -6  # str() writes a Decimal with an adjusted exponent below it in exponent notation


def in_plain_notation(number: Decimal) -> Decimal:
    """The same number, one that ``str()`` writes without an exponent: ``1E+5`` → ``100000``, ``0E-10`` → ``0``.

    A non-zero number smaller than a millionth keeps its exponent: no ``Decimal`` writes it out
    (fields that take such numbers bound their decimal places instead).
    """
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int):  # NaN or infinity: pydantic refuses them before this
        return number
    if exponent > 0:
        return Decimal(f"{number:f}")  # exact, whatever the context's precision
    if not number and exponent < _SMALLEST_PLAIN_EXPONENT:
        return Decimal(0)
    return number


PLAIN_NOTATION = AfterValidator(in_plain_notation)
"""Place after a field's constraints (``Annotated[Decimal, Field(...), PLAIN_NOTATION]``): placed
before them, pydantic documents the constraints in the JSON Schema's ``anyOf`` as unknown keywords."""


def written_out(pattern: str, description: str) -> dict[str, str]:
    """What the JSON Schema of a decimal, published as a string, says of it: pydantic documents a
    decimal's bounds and places only for the number it validates, not for the string it writes."""
    return {"pattern": pattern, "description": description}


MonthlyBaht = Annotated[
    Decimal,
    Field(
        ge=0,
        max_digits=12,
        decimal_places=2,
        json_schema_extra=written_out(r"^\d{1,10}(\.\d{1,2})?$", "Baht a month, at least 0, to the satang."),
    ),
    PLAIN_NOTATION,
]
"""A monthly income in baht, to the satang."""
