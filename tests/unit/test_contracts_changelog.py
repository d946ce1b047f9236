"""contracts/CHANGELOG.md tells integrators what was added within v1: it lists every subject published,
and every subject and field it names exists."""

from __future__ import annotations

import re
from pathlib import Path

from pathways_contracts.registry import BY_SUBJECT

CHANGELOG = Path(__file__).resolve().parents[2] / "contracts" / "CHANGELOG.md"
NAMED = re.compile(r"`((?:enrollment|training|outcomes)\.v\d+\.[a-z_.]+)`")


def _named() -> list[str]:
    return NAMED.findall(CHANGELOG.read_text(encoding="utf-8"))


def _split(name: str) -> tuple[str, str | None]:
    """A subject, or a subject and one of its fields (the longest known subject it starts with)."""
    if name in BY_SUBJECT:
        return name, None
    subject, _, field = name.rpartition(".")
    return subject, field


def test_every_subject_published_is_listed() -> None:
    listed = {_split(name)[0] for name in _named()}
    assert set(BY_SUBJECT) - listed == set(), "add the new subjects to contracts/CHANGELOG.md"


def test_every_subject_and_field_named_exists() -> None:
    unknown = []
    for name in _named():
        subject, field = _split(name)
        event = BY_SUBJECT.get(subject)
        if event is None or (field is not None and field not in event.model_fields):
            unknown.append(name)
    assert unknown == []


def test_every_field_named_as_added_is_optional() -> None:
    """A field added within v1 is absent in older messages, so a reader must not find it required."""
    fields = [_split(name) for name in _named()]
    required = [f"{s}.{f}" for s, f in fields if f is not None and BY_SUBJECT[s].model_fields[f].is_required()]
    assert required == []
