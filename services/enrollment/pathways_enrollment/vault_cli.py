"""``pathways vault status`` and ``pathways vault rotate``: the personal data vault's keys."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from pathways_enrollment.vault_rotation import Rotation

T = TypeVar("T")

_DESCRIPTION = """\
Erasing a participant destroys their data key in the vault's tables, but copies of the database
made before (PostgreSQL's WAL, backups) still hold that key, wrapped under the master key.
Rotating the keys closes this: a new master key and pepper are made, every live participant's
key and national-ID hash (and every mentor's contact key) are moved onto them while the services
run, and the old ones are destroyed. Afterwards nothing can open, in any copy, the data of a
participant (or a mentor's contact) erased before it.

Backups taken before a rotation can no longer be read for personal data (events, journeys and
counts stay readable): take a new backup after each rotation. Rotate after erasures, for example
nightly; 'pathways vault status' says how many erasures the current keys have seen.

Keys: the data folder's keys file (PATHWAYS_DATA_DIR/vault-keys.json). Keys given in
PATHWAYS_VAULT_MASTER_KEY / PATHWAYS_VAULT_PEPPER cannot be rotated from here.
PostgreSQL: PATHWAYS_DATABASE_URL, else the embedded server running under PATHWAYS_DATA_DIR.
"""

_EPILOG = """\
exit status: 0 done, 1 refused (keys not in a keys file, or not this database's keys),
             2 it could not run (no PostgreSQL to talk to, or the server refused) or its arguments are wrong
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
        "status",
        help="the current key generation, since when, and how many erasures it has seen",
        description=(
            "The vault's current key generation, since when, and how many participants were erased under it "
            "(their copies in WAL and backups can still be opened until the next rotation); and whether the keys "
            "(the keys file, or PATHWAYS_VAULT_MASTER_KEY / PATHWAYS_VAULT_PEPPER) open this database's rows."
        ),
        epilog="exit status: 0 shown, 1 refused (keys that are not this database's, or an unreadable keys file), "
        "2 no PostgreSQL to talk to",
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
    """The keys file rotation works on; None when the environment gives the keys (checked here)."""
    from pathways_enrollment.keyring import KEYS_FILE, VaultSettings
    from pathways_infra.settings import Settings

    settings = VaultSettings()
    if settings.configured:
        settings.keys()  # refuses a half-set or malformed pair
        return None
    return Settings().data_dir.resolve() / KEYS_FILE


def _status(_args: argparse.Namespace) -> int:
    from pathways_enrollment.keyring import VaultError, VaultSettings
    from pathways_enrollment.vault_rotation import RotationError, generation_status, keys_open_a_live_row

    try:
        path = _keys_path()
        found = _on_the_database(lambda conn: generation_status(conn, path if path and path.exists() else None))
        opened = (
            None if path is not None else _on_the_database(lambda c: keys_open_a_live_row(c, VaultSettings().keys()))
        )
    except (RotationError, VaultError) as refused:
        print(f"refused: {refused}", file=sys.stderr)
        return 1
    if found is None:
        return 2
    if opened is False:
        print(
            "refused: the keys in PATHWAYS_VAULT_MASTER_KEY / PATHWAYS_VAULT_PEPPER do not open this database's "
            "rows: they are not its keys (the services could read no participant's personal data)",
            file=sys.stderr,
        )
        return 1
    if path is None:
        print(
            "the keys in the environment open this database's rows"
            if opened
            else "no live participant to try the keys on"
        )
    print(f"key generation {found.current}, current since {found.since:%Y-%m-%d %H:%M:%S %Z}")
    print(f"live participants: {found.live_participants:,}")
    print(f"live mentors' contacts: {found.live_mentor_contacts:,}")
    due = "  (copies of the database made before their erasure can still be opened: rotate)"
    print(f"erased under these keys: {found.erased_since:,}" + (due if found.erased_since else ""))
    if found.rows_behind:
        print(f"unfinished rotation: {found.rows_behind:,} participants still under an older generation")
    return _keys_line(path, found.current, found.file_generations)


def _keys_line(path: Path | None, current: int, file_generations: tuple[int, ...]) -> int:
    if path is None:
        print("keys: PATHWAYS_VAULT_MASTER_KEY / PATHWAYS_VAULT_PEPPER (not rotatable here)")
        return 0
    if not file_generations:
        print(f"keys: no keys file at {path}: is PATHWAYS_DATA_DIR the data folder the services use?", file=sys.stderr)
        return 1
    print(f"keys: {path} (generations {', '.join(map(str, file_generations))})")
    if max(file_generations) < current:
        print(f"the keys file does not reach generation {current}: it is not this database's", file=sys.stderr)
        return 1
    if len(file_generations) > 1:
        print("unfinished rotation: older keys are still in the file; run 'pathways vault rotate' to finish it")
    return 0


def _rotate(_args: argparse.Namespace) -> int:
    from pathways_enrollment.keyring import VaultError
    from pathways_enrollment.vault_rotation import RotationError

    try:
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
        done = _on_the_database(lambda conn: _rotate_with_progress(conn, path))
    except (RotationError, VaultError) as refused:
        print(f"refused: {refused}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: run 'pathways vault rotate' again to finish the rotation", file=sys.stderr)
        return 130
    if done is None:
        return 2
    verb = "finished the rotation to" if done.resumed else "rotated to"
    moved = f"{done.moved:,} participants and mentors' contacts moved"
    print(f"{verb} key generation {done.generation}: {moved}; {_destroyed(done.destroyed)}")
    print("take a new backup now: earlier ones can no longer be read for personal data")
    return 0


def _destroyed(generations: Sequence[int]) -> str:
    if not generations:
        return "no key generation destroyed"
    plural = "s" if len(generations) > 1 else ""
    return f"destroyed key generation{plural} {', '.join(map(str, generations))}"


async def _rotate_with_progress(conn: Any, path: Path) -> Rotation:
    from pathways_enrollment.vault_rotation import rotate
    from pathways_infra.demo.driver import progress_bar

    with progress_bar() as progress:
        task = progress.add_task("participants and mentors' contacts moved to new keys", total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return await rotate(conn, path, progress=report)


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
