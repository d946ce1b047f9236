"""Hostile HTTP input made from a service's own OpenAPI document: every operation, valid-looking bodies with
one field broken at a time, garbage where JSON is expected, odd path ids, query strings and headers.

Deterministic for a seed, so a failure found once is found again.
"""

from __future__ import annotations

import copy
import json
import random
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

HOSTILE_VALUES: tuple[Any, ...] = (
    None, "", " ", "x" * 5000, "ก" * 300, "\u0000", "'; DROP TABLE units;--", -1, 0, 2**63, -(2**63), 10**40,
    1.5e308, True, [], {}, [1, 2], {"a": 1}, "2026-02-30", "9999-12-31", "0001-01-01", "TH-99", "TH-S", "NaN",
    "00000000-0000-0000-0000-000000000000", "25:61", "1" * 13, "3100600445635",
)  # fmt: skip
HOSTILE_PATH_IDS = ("x", "1", "%00", "ก", "a" * 300, "00000000-0000-0000-0000-000000000000")
HOSTILE_HEADER_VALUES = ("1", "-1", "abc", '"3"', 'W/"1"', "99999999999999999999", "x" * 400, "*")
RAW_BODIES = (b"{", b"[]", b"null", b"\xff\xfe", b'{"a":' * 500, b"1e999999", b'{"x": NaN}', b"")
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
PATH_PARAMETER = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class HostileRequest:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[bytes, bytes]
    content: bytes | None


@dataclass
class HostileInput:
    """Requests for every operation of ``document``; ``known_ids`` are ids the service holds, so that some
    requests get past the 404 to the rules behind it."""

    document: dict[str, Any]
    known_ids: list[str]
    seed: int
    random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)

    def requests(self, per_operation: int) -> Iterator[HostileRequest]:
        for path, operations in self.document["paths"].items():
            for method, operation in operations.items():
                for _ in range(per_operation):
                    yield self._request(method, path, operation)

    def _request(self, method: str, path: str, operation: dict[str, Any]) -> HostileRequest:
        parameters = [self._resolve(p) for p in operation.get("parameters", [])]
        body_schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        return HostileRequest(
            method=method.upper(),
            path=PATH_PARAMETER.sub(lambda _: self._path_id(), path),
            params=self._query(parameters),
            headers=self._headers(parameters),
            content=None if method == "get" else self._body(body_schema),
        )

    def _path_id(self) -> str:
        if self.known_ids and self.random.random() < 0.7:
            return self.random.choice(self.known_ids)
        return self.random.choice((*HOSTILE_PATH_IDS, str(uuid.UUID(int=self.random.getrandbits(128)))))

    def _query(self, parameters: list[dict[str, Any]]) -> dict[str, str]:
        query = {}
        for parameter in parameters:
            if parameter["in"] == "query" and self.random.random() < 0.5:
                value = self.random.choice((self._example(parameter.get("schema", {})), *HOSTILE_VALUES))
                query[parameter["name"]] = value if isinstance(value, str) else json.dumps(value)
        return query

    def _headers(self, parameters: list[dict[str, Any]]) -> dict[bytes, bytes]:
        headers = {
            p["name"]: self.random.choice(HOSTILE_HEADER_VALUES)
            for p in parameters
            if p["in"] == "header" and self.random.random() < 0.1  # any more and few commands get past the headers
        }
        if self.random.random() < 0.3:
            headers["Idempotency-Key"] = self.random.choice(("k1", "", "x" * 1000, "ก"))
        if self.random.random() < 0.2:
            headers["If-Match"] = self.random.choice(HOSTILE_HEADER_VALUES)
        headers["Content-Type"] = "text/plain" if self.random.random() < 0.05 else "application/json"
        return {name.encode(): value.encode() for name, value in headers.items()}  # raw UTF-8 where only ASCII belongs

    def _body(self, schema: dict[str, Any] | None) -> bytes:
        if self.random.random() < 0.08:
            return self.random.choice(RAW_BODIES)
        body = self._example(schema) if schema else {}
        for _ in range(self.random.choice((0, 1, 1, 2))):
            body = self._broken(body)
        return json.dumps(body, allow_nan=True).encode()

    def _broken(self, body: Any) -> Any:
        if not isinstance(body, dict) or not body:
            return self.random.choice(HOSTILE_VALUES)
        broken = copy.deepcopy(body)
        name = self.random.choice(list(broken))
        roll = self.random.random()
        if roll < 0.6:
            broken[name] = self.random.choice(HOSTILE_VALUES)
        elif roll < 0.75:
            del broken[name]
        elif roll < 0.85:
            broken[f"unexpected_{name}"] = self.random.choice(HOSTILE_VALUES)
        else:
            broken[name] = self._broken(broken[name]) if isinstance(broken[name], dict) else [broken[name]] * 2
        return broken

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.document["components"]["schemas"][schema["$ref"].split("/")[-1]]
        return schema

    def _example(self, schema: dict[str, Any], depth: int = 0) -> Any:
        schema = self._resolve(schema)
        for combinator in ("anyOf", "oneOf", "allOf"):
            if combinator in schema:
                options = [o for o in schema[combinator] if self._resolve(o).get("type") != "null"]
                return self._example(self.random.choice(options or schema[combinator]), depth + 1)
        if "enum" in schema:
            return self.random.choice(schema["enum"])
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            properties = schema.get("properties", {}) if depth < 6 else {}
            return {name: self._field(name, sub, depth) for name, sub in properties.items()}
        if kind == "array":
            return [self._example(schema.get("items", {}), depth + 1) for _ in range(self.random.randint(1, 2))]
        if kind == "integer":
            return self.random.randint(0, 12)
        if kind == "number":
            return round(self.random.uniform(0, 20000), 2)
        if kind == "boolean":
            return self.random.random() < 0.5
        return self._text(schema.get("format"))

    def _field(self, name: str, schema: dict[str, Any], depth: int) -> Any:
        by_name = {
            "province_code": lambda: self.random.choice(("TH-10", "TH-50", "TH-40", "TH-90")),
            "national_id": self._national_id,
            "date_of_birth": lambda: "1990-05-01",
            "starts_at": lambda: "09:00",
        }
        return by_name[name]() if name in by_name else self._example(schema, depth + 1)

    def _text(self, format_: str | None) -> str:
        if format_ == "uuid":
            return self._path_id() if self.random.random() < 0.8 else str(uuid.uuid4())
        if format_ == "date":
            return self.random.choice(("2024-03-01", "2025-06-15", "2026-01-10"))
        if format_ == "date-time":
            return "2025-06-15T09:00:00+07:00"
        return "text"

    def _national_id(self) -> str:
        digits = [self.random.randint(1, 8)] + [self.random.randint(0, 9) for _ in range(11)]
        weighted = sum(digit * (13 - position) for position, digit in enumerate(digits))
        return "".join(map(str, digits)) + str((11 - weighted % 11) % 10)


def ids_in(text: str) -> list[str]:
    return UUID_TEXT.findall(text)
