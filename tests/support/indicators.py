"""What `GET /programme/indicators` answers, written the way the tests expect it."""

from __future__ import annotations

from typing import Any


def rate(numerator: int, denominator: int) -> dict[str, Any]:
    return {
        "numerator": numerator,
        "denominator": denominator,
        "value": numerator / denominator if denominator else None,
    }


def per_month(three: Any, six: Any, twelve: Any) -> dict[str, Any]:
    return {"3": three, "6": six, "12": twelve}
