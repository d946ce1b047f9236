"""Random version-4 UUIDs without a system call each.

``uuid.uuid4()`` reads ``os.urandom`` for every id. Under a sandboxing kernel (gVisor here) that
system call showed up as a seventh of a service's request time. Event, correlation and request ids
need uniqueness, not secrecy, so they come from a generator seeded once from ``os.urandom`` (and
re-seeded in a forked child, which would otherwise repeat the parent's ids). Keys, nonces and
anything secret still use ``secrets``.
"""

from __future__ import annotations

import os
import random
from uuid import UUID


class _Generator:
    """Seeded on first use, and again in a forked child."""

    def __init__(self) -> None:
        self._random: random.Random | None = None

    def forget(self) -> None:
        self._random = None

    def uuid(self) -> UUID:
        if self._random is None:
            self._random = random.Random(os.urandom(32))
            os.register_at_fork(after_in_child=self.forget)
        return UUID(int=self._random.getrandbits(128), version=4)


_GENERATOR = _Generator()


def new_id() -> UUID:
    return _GENERATOR.uuid()
