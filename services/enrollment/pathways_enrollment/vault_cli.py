"""``pathways vault status`` and ``pathways vault rotate``: the personal data vault's keys."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_DESCRIPTION = """\
Erasing a participant destroys their data key in the vault's tables, but copies of the database
made before (PostgreSQL's WAL, backups) still hold that key, wrapped under the master key.
Rotating the keys closes this: a new master key and pepper are made, every live participant's
key and national-ID hash are moved onto them while the services run, and the old ones are
destroyed. Afterwards nothing can open an erased participant's data in any copy.

Backups taken before a rotation can no longer be read for personal data (events, journeys and
counts stay readable): take a new backup after each rotation. Rotate after erasures, for example
nightly; 'pathways vault status' says how many erasures the current keys have seen.

Keys: the data folder's keys file (PATHWAYS_DATA_DIR/vault-keys.json). Keys given in
PATHWAYS_VAULT_MASTER_KEY / PATHWAYS_VAULT_PEPPER cannot be rotated from here.
PostgreSQL: PATHWAYS_DATABASE_URL, else the embedded server running under PATHWAYS_DATA_DIR.
"""

_EPILOG = """\
exit status: 0 done, 1 refused (keys not in a keys file, or not this database's keys),
             2 it could not run (no PostgreSQL to talk to, or the server refused)
"""


def add_command(commands: Any) -> None:
    vault = commands.add_parser(
        "vault",
        help="the personal data vault's keys: status, rotate (so erasure reaches WAL and backups)",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verbs = vault.add_subparsers(title="vault commands", metavar="VERB")
    status = verbs.add_parser(
        "status", help="the current key generation, since when, and how many erasures it has seen"
    )
    status.set_defaults(run=_status)
    rotate = verbs.add_parser(
        "rotate",
        help="new keys for every live participant, the old ones destroyed (finishes an interrupted rotation)",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rotate.set_defaults(run=_rotate)
    vault.set_defaults(run=lambda _args: vault.print_help() or 2)


def _keys_path() -> Path | None:
    from pathways_enrollment.keyring import KEYS_FILE, VaultSettings
    from pathways_infra.settings import Settings

    if VaultSettings().configured:
        return None
    return Settings().data_dir.resolve() / KEYS_FILE


def _status(_args: argparse.Namespace) -> int:
    from pathways_enrollment.keyring import VaultError
    from pathways_enrollment.vault_rotation import RotationError, generation_status

    path = _keys_path()
    try:
        found = _on_the_database(lambda conn: generation_status(conn, path if path and path.exists() else None))
    except (RotationError, VaultError) as refused:
        print(f"refused: {refused}", file=sys.stderr)
        return 1
    if found is None:
        return 2
    print(f"key generation {found.current}, current since {found.since:%Y-%m-%d %H:%M:%S %Z}")
    print(f"live participants: {found.live_participants:,}")
    print(f"erased since then: {found.erased_since:,}", end="")
    print("  (copies of the database made before them can still be opened: rotate)" if found.erased_since else "")
    if found.rows_behind:
        print(f"unfinished rotation: {found.rows_behind:,} participants still under an older generation")
    source = "PATHWAYS_VAULT_MASTER_KEY / PATHWAYS_VAULT_PEPPER (not rotatable here)" if path is None else str(path)
    generations = ", ".join(map(str, found.file_generations))
    print(f"keys: {source}" + (f" (generations {generations})" if generations else ""))
    return 0


def _rotate(_args: argparse.Namespace) -> int:
    from pathways_enrollment.keyring import VaultError
    from pathways_enrollment.vault_rotation import RotationError, rotate
    from pathways_infra.demo.driver import progress_bar

    path = _keys_path()
    if path is None:
        print(
            "the vault's keys come from PATHWAYS_VAULT_MASTER_KEY / PATHWAYS_VAULT_PEPPER: rotate them by "
            "moving them into a keys file, or run without them to use the data folder's",
            file=sys.stderr,
        )
        return 1
    if not path.exists():
        print(f"no keys file at {path}: is PATHWAYS_DATA_DIR the data folder the services use?", file=sys.stderr)
        return 1
    with progress_bar() as progress:
        task = progress.add_task("participants moved to new keys", total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            done = _on_the_database(lambda conn: rotate(conn, path, progress=report))
        except (RotationError, VaultError) as refused:
            print(f"refused: {refused}", file=sys.stderr)
            return 1
    if done is None:
        return 2
    verb = "finished the rotation to" if done.resumed else "rotated to"
    destroyed = ", ".join(map(str, done.destroyed)) or "none"
    print(f"{verb} key generation {done.generation}: {done.moved:,} participants moved; destroyed {destroyed}")
    print("take a new backup now: earlier ones can no longer be read for personal data")
    return 0


def _on_the_database(action: Callable[[Any], Awaitable[T]]) -> T | None:
    """``action`` on a connection to the enrollment database; None, after one line on stderr, if none."""
    import asyncpg

    from pathways_infra.operator_cli import service_database, unless_unreachable

    async def run() -> T:
        conn = await asyncpg.connect(service_database("enrollment"), timeout=10)
        try:
            return await action(conn)
        finally:
            await conn.close()

    try:
        return unless_unreachable(lambda: asyncio.run(run()))
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        print(f"could not run: {type(error).__name__}: {error}", file=sys.stderr)
        return None
