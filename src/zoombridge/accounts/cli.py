"""`zoombridge user create` and `zoombridge token create`: the first login and API tokens."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import secrets
import sys
from typing import Any

from zoombridge.accounts.service import create_api_token, create_user
from zoombridge.db.engine import create_engine_from_settings
from zoombridge.db.session import create_sessionmaker, transaction
from zoombridge.errors import DomainError
from zoombridge.settings import get_settings
from zoombridge.web.serve import database_problem

MIN_PASSWORD_LENGTH = 8


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    user = subparsers.add_parser("user", help="web UI users")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="USER_COMMAND")
    create = user_commands.add_parser(
        "create",
        help="create a user who can sign in to the web UI",
        description="Create a web UI user. The password is asked for (or generated with "
        "--generate-password and printed once).",
    )
    create.add_argument("email")
    create.add_argument("--name", default="")
    create.add_argument(
        "--generate-password", action="store_true", help="generate a password and print it"
    )
    create.set_defaults(handler=user_create_command)

    token = subparsers.add_parser("token", help="API tokens for /api/v1")
    token_commands = token.add_subparsers(
        dest="token_command", required=True, metavar="TOKEN_COMMAND"
    )
    token_create = token_commands.add_parser(
        "create", help="create an API token and print it (shown once; only its hash is kept)"
    )
    token_create.add_argument("name", help="what the token is for, e.g. 'shop'")
    token_create.set_defaults(handler=token_create_command)


def _ask_password() -> str:
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Password again: "):
        raise SystemExit("zoombridge user create: the passwords differ")
    return password


def _database_ready(command: str) -> bool:
    # Same rule as `serve`: SQLite is migrated here, PostgreSQL must be upgraded first.
    problem = database_problem(get_settings())
    if problem is not None:
        print(f"zoombridge {command}: {problem}", file=sys.stderr)
        return False
    return True


def user_create_command(args: argparse.Namespace) -> int:
    if not _database_ready("user create"):
        return 1
    password = secrets.token_urlsafe(12) if args.generate_password else _ask_password()
    if len(password) < MIN_PASSWORD_LENGTH:
        print(
            f"zoombridge user create: use a password of at least {MIN_PASSWORD_LENGTH} characters",
            file=sys.stderr,
        )
        return 1
    try:
        asyncio.run(_create_user(args.email, password, args.name))
    except DomainError as exc:
        print(f"zoombridge user create: {exc.detail}", file=sys.stderr)
        return 1
    print(f"created user {args.email.strip().lower()}")
    if args.generate_password:
        print(f"password: {password}")
    return 0


def token_create_command(args: argparse.Namespace) -> int:
    if not _database_ready("token create"):
        return 1
    plain = asyncio.run(_create_token(args.name))
    print(plain)
    return 0


async def _create_user(email: str, password: str, name: str) -> None:
    engine = create_engine_from_settings(get_settings())
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            await create_user(session, email, password, name)
    finally:
        await engine.dispose()


async def _create_token(name: str) -> str:
    engine = create_engine_from_settings(get_settings())
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            plain, _ = await create_api_token(session, name)
    finally:
        await engine.dispose()
    return plain
