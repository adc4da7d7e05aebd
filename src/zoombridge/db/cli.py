"""`zoombridge db …`: migrate the database and show where it stands."""

from __future__ import annotations

import argparse
import asyncio
import sys

from sqlalchemy.exc import SQLAlchemyError

from zoombridge.db import migrate
from zoombridge.db.encryption import EncryptionError, load_secret_box
from zoombridge.db.engine import UnsupportedDatabaseError, create_engine, normalize_url
from zoombridge.db.rotation import reencrypt_secrets
from zoombridge.db.session import create_sessionmaker, transaction
from zoombridge.settings import get_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `db upgrade` and `db current` to the main parser's sub-commands."""
    db = subparsers.add_parser("db", help="database migrations", description=__doc__)
    commands = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")

    upgrade = commands.add_parser("upgrade", help="migrate the database to the newest schema")
    upgrade.add_argument(
        "revision", nargs="?", default="head", help="target revision (default: head)"
    )
    _add_url_argument(upgrade)
    upgrade.set_defaults(handler=upgrade_command)

    current = commands.add_parser("current", help="show the database's schema revision")
    _add_url_argument(current)
    current.set_defaults(handler=current_command)

    rotate = commands.add_parser(
        "rotate-secrets",
        help="re-encrypt stored secrets with ZOOMBRIDGE_SECRET_KEY (old keys in "
        "ZOOMBRIDGE_SECRET_KEY_OLD)",
    )
    _add_url_argument(rotate)
    rotate.set_defaults(handler=rotate_secrets_command)


def _add_url_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        metavar="URL",
        default=None,
        help="database to use (default: ZOOMBRIDGE_DATABASE_URL, else the SQLite file in "
        "ZOOMBRIDGE_DATA_DIR)",
    )


def _database_url(args: argparse.Namespace) -> str:
    url: str | None = args.database_url
    return url or get_settings().effective_database_url


def _where(url: str) -> str:
    return normalize_url(url).render_as_string(hide_password=True)


def upgrade_command(args: argparse.Namespace) -> int:
    url = _database_url(args)
    try:
        before = migrate.current(url)
        migrate.upgrade(url, args.revision)
        after = migrate.current(url)
    except (SQLAlchemyError, OSError, UnsupportedDatabaseError) as exc:
        return _fail(f"cannot migrate {_safe_where(url)}: {_reason(exc)}")
    if before == after:
        print(f"{_where(url)}: already at {after or 'an empty schema'}")
    else:
        print(f"{_where(url)}: upgraded {before or '(new database)'} -> {after}")
    return 0


def current_command(args: argparse.Namespace) -> int:
    url = _database_url(args)
    try:
        revision = migrate.current(url)
    except (SQLAlchemyError, OSError, UnsupportedDatabaseError) as exc:
        return _fail(f"cannot read {_safe_where(url)}: {_reason(exc)}")
    head = migrate.head_revision()
    if revision is None:
        print(f"{_where(url)}: not migrated yet (newest is {head}); run: zoombridge db upgrade")
    elif revision == head:
        print(f"{_where(url)}: {revision} (up to date)")
    else:
        print(f"{_where(url)}: {revision} (newest is {head}; run: zoombridge db upgrade)")
    return 0


def _safe_where(url: str) -> str:
    try:
        return _where(url)
    except (UnsupportedDatabaseError, SQLAlchemyError):
        return "the database"


def _reason(exc: BaseException) -> str:
    # SQLAlchemy errors carry the SQL and a documentation link; the driver's message is the
    # part a person can act on ("connection refused", "unable to open database file").
    original = getattr(exc, "orig", None)
    return str(original or exc).strip().splitlines()[0]


def _fail(message: str) -> int:
    print(f"zoombridge db: {message}", file=sys.stderr)
    return 1


def rotate_secrets_command(args: argparse.Namespace) -> int:
    url = _database_url(args)
    try:
        count = asyncio.run(_rotate(url))
    except EncryptionError as exc:
        return _fail(str(exc))
    except (SQLAlchemyError, OSError, UnsupportedDatabaseError) as exc:
        return _fail(f"cannot rotate secrets in {_safe_where(url)}: {_reason(exc)}")
    print(f"{_where(url)}: re-encrypted {count} secret(s) with the current key")
    return 0


async def _rotate(url: str) -> int:
    engine = create_engine(url, secret_box=load_secret_box(get_settings()))
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            return await reencrypt_secrets(session)
    finally:
        await engine.dispose()
