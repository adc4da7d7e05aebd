"""`zoombridge user create|list|delete|password` and `zoombridge token create|list|revoke`:
the first login (an owner, or any role), a forgotten password, and API tokens."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import secrets
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from email_validator import EmailNotValidError, validate_email
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.models import CustomRole, Department, User
from zoombridge.accounts.permissions import Actor, RoleKind
from zoombridge.accounts.schemas import ApiTokenOut, UserIn
from zoombridge.accounts.service import create_api_token, people, set_password, throttle, tokens
from zoombridge.db.base import utc_now
from zoombridge.db.engine import create_engine_from_settings
from zoombridge.db.readiness import database_problem
from zoombridge.db.session import create_sessionmaker, transaction
from zoombridge.errors import DomainError, InvalidInput, NotFoundError
from zoombridge.kit.text import check_one_line
from zoombridge.settings import get_settings

MIN_PASSWORD_LENGTH = 8
T = TypeVar("T")


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
        "--role",
        choices=[r.value for r in RoleKind],
        default=RoleKind.OWNER.value,
        help="what the user may do (default owner: the first user); see docs/courses.md",
    )
    create.add_argument(
        "--custom-role", metavar="NAME", help="with --role custom: the custom role's name"
    )
    create.add_argument(
        "--department",
        action="append",
        default=[],
        metavar="NAME",
        help="a department the user acts in (a department admin needs one); repeat for more",
    )
    create.add_argument(
        "--generate-password", action="store_true", help="generate a password and print it"
    )
    create.set_defaults(handler=user_create_command)
    listing = user_commands.add_parser("list", help="list the users with their roles")
    listing.set_defaults(handler=user_list_command)
    delete = user_commands.add_parser("delete", help="remove a user (they can no longer sign in)")
    delete.add_argument("email")
    delete.set_defaults(handler=user_delete_command)
    password = user_commands.add_parser(
        "password",
        aliases=["set-password"],
        help="set a user's password (signs them out everywhere)",
        description="Set a new password for a web UI user: their sessions end and their "
        "failed sign-ins are forgotten. The password is asked for (or generated).",
    )
    password.add_argument("email")
    password.add_argument(
        "--generate-password", action="store_true", help="generate a password and print it"
    )
    password.set_defaults(handler=user_password_command)

    token = subparsers.add_parser("token", help="API tokens for /api/v1")
    token_commands = token.add_subparsers(
        dest="token_command", required=True, metavar="TOKEN_COMMAND"
    )
    token_create = token_commands.add_parser(
        "create", help="create an API token and print it (shown once; only its hash is kept)"
    )
    token_create.add_argument("name", help="what the token is for, e.g. 'shop'")
    token_create.add_argument(
        "--user",
        metavar="EMAIL",
        help="the user the token acts as (default: none, i.e. the server operator: an owner)",
    )
    token_create.add_argument(
        "--expires-days", type=int, metavar="N", help="the token stops working after N days"
    )
    token_create.set_defaults(handler=token_create_command)
    token_list = token_commands.add_parser(
        "list", help="list API tokens with their user, last use, expiry and state"
    )
    token_list.set_defaults(handler=token_list_command)
    token_revoke = token_commands.add_parser(
        "revoke", help="revoke an API token at once (by id, or the first characters shown)"
    )
    token_revoke.add_argument("token", metavar="ID_OR_PREFIX")
    token_revoke.set_defaults(handler=token_revoke_command)


def _ask_password(command: str = "user create") -> str:
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Password again: "):
        raise SystemExit(f"zoombridge {command}: the passwords differ")
    return password


def _in_database(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction on the configured database."""

    async def run() -> T:
        engine = create_engine_from_settings(get_settings())
        try:
            async with transaction(create_sessionmaker(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _database_ready(command: str) -> bool:
    # Same rule as `serve`: SQLite is migrated here, PostgreSQL must be upgraded first.
    problem = database_problem(get_settings())
    if problem is not None:
        print(f"zoombridge {command}: {problem}", file=sys.stderr)
        return False
    return True


def user_create_command(args: argparse.Namespace) -> int:
    try:
        email = validate_email(args.email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        print(
            f"zoombridge user create: {args.email!r} is not an email address ({exc})",
            file=sys.stderr,
        )
        return 1
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
        asyncio.run(
            _create_user(
                email, password, args.name, RoleKind(args.role), args.custom_role, args.department
            )
        )
    except DomainError as exc:
        print(f"zoombridge user create: {exc.detail}", file=sys.stderr)
        return 1
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        print(f"zoombridge user create: {problems}", file=sys.stderr)
        return 1
    print(f"created user {email} ({args.role.replace('_', ' ')})")
    if args.generate_password:
        print(f"password: {password}")
    return 0


def user_password_command(args: argparse.Namespace) -> int:
    if not _database_ready("user password"):
        return 1
    password = (
        secrets.token_urlsafe(12) if args.generate_password else _ask_password("user password")
    )
    if len(password) < MIN_PASSWORD_LENGTH:
        print(
            f"zoombridge user password: use a password of at least {MIN_PASSWORD_LENGTH} "
            "characters",
            file=sys.stderr,
        )
        return 1
    email = args.email.strip().lower()

    async def change(session: AsyncSession) -> bool:
        user = await session.scalar(select(User).where(User.email == email))
        if user is None:
            return False
        set_password(user, password)
        await throttle.forget_account(session, email)
        return True

    if not _in_database(change):
        print(f"zoombridge user password: there is no user {email}", file=sys.stderr)
        return 1
    print(f"password set for {email}; their sessions have ended")
    if args.generate_password:
        print(f"password: {password}")
    return 0


def token_create_command(args: argparse.Namespace) -> int:
    if args.expires_days is not None and not 1 <= args.expires_days <= 3650:
        print("zoombridge token create: --expires-days must be 1 to 3650", file=sys.stderr)
        return 1
    if not _database_ready("token create"):
        return 1
    try:
        plain = _in_database(lambda session: _create_token(session, args))
    except DomainError as exc:
        print(f"zoombridge token create: {exc.detail}", file=sys.stderr)
        return 1
    print(plain)
    return 0


async def _create_token(session: AsyncSession, args: argparse.Namespace) -> str:
    try:
        name = check_one_line(args.name.strip())[:100] or "cli"
    except ValueError as exc:
        raise InvalidInput(f"the name {exc}") from None
    user_id = None
    if args.user:
        email = args.user.strip().lower()
        user_id = await session.scalar(select(User.id).where(User.email == email))
        if user_id is None:
            raise NotFoundError(
                f"There is no user {email}; create it with `zoombridge user create`."
            )
    expires_at = (
        utc_now() + timedelta(days=args.expires_days) if args.expires_days is not None else None
    )
    plain, _ = await create_api_token(session, name, user_id, expires_at=expires_at)
    return plain


def _token_line(token: ApiTokenOut) -> str:
    def when(value: object) -> str:
        return f"{value:%Y-%m-%d %H:%M} UTC" if value is not None else "-"

    return "  ".join(
        [
            str(token.id),
            f"{token.prefix}…",
            token.state.ljust(7),
            (token.user_email or "(operator)").ljust(24),
            f"last used {when(token.last_used_at)}",
            f"expires {when(token.expires_at)}",
            repr(token.name),
        ]
    )


def token_list_command(args: argparse.Namespace) -> int:
    if not _database_ready("token list"):
        return 1
    # The command line is the server's operator: it sees every token.
    listed = _in_database(lambda session: tokens.list_tokens(session, Actor.owner()))
    for token in listed:
        print(_token_line(token))
    if not listed:
        print("no API tokens yet (create one with `zoombridge token create NAME`)")
    return 0


def token_revoke_command(args: argparse.Namespace) -> int:
    if not _database_ready("token revoke"):
        return 1

    async def revoke(session: AsyncSession) -> str:
        found = await tokens.find_tokens(session, args.token.strip())
        if len(found) != 1:
            if not found:
                return f"no token has the id or prefix {args.token!r}; see `zoombridge token list`"
            return f"{len(found)} tokens start with {args.token!r}; give its id"
        record = await tokens.revoke_token(session, Actor.owner(), found[0].id)
        return f"revoked {record.prefix}… ({record.name!r})"

    message = _in_database(revoke)
    if not message.startswith("revoked"):
        print(f"zoombridge token revoke: {message}", file=sys.stderr)
        return 1
    print(message)
    return 0


async def _create_user(
    email: str,
    password: str,
    name: str,
    role: RoleKind,
    custom_role: str | None,
    departments: list[str],
) -> None:
    engine = create_engine_from_settings(get_settings())
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            role_id = await _named(session, CustomRole, custom_role) if custom_role else None
            department_ids = [await _named(session, Department, d) for d in departments]
            data = UserIn(
                email=email,
                name=name,
                password=password,
                role=role,
                custom_role_id=role_id,
                department_ids=department_ids,
            )
            # The command line is the server's operator: it acts as an owner.
            await people.add_user(session, Actor.owner(), data)
    finally:
        await engine.dispose()


async def _named(
    session: AsyncSession, model: type[CustomRole] | type[Department], name: str
) -> uuid.UUID:
    found = await session.scalar(select(model.id).where(func.lower(model.name) == name.lower()))
    if found is None:
        what = "custom role" if model is CustomRole else "department"
        raise NotFoundError(f"There is no {what} named {name!r}; create it in the web UI first.")
    return found


def _run(command: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T | None:
    """`work` in one transaction on the configured database; None (after one line on stderr)
    when the database is not ready or a rule refuses."""
    if not _database_ready(command):
        return None
    try:
        return _in_database(work)
    except DomainError as exc:
        print(f"zoombridge {command}: {exc.detail}", file=sys.stderr)
        return None


async def _user_by_email(session: AsyncSession, email: str) -> User:
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFoundError(f"There is no user with the email {email.strip().lower()}.")
    return user


def user_list_command(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> list[str]:
        lines = []
        for user in await people.list_users(session):
            view = await people.user_out(session, user)
            lines.append(
                f"{user.email}\t{user.role.value}\t{user.name}\t{len(view.department_ids)}"
            )
        return lines

    lines = _run("user list", work)
    if lines is None:
        return 1
    print("email\trole\tname\tdepartments")
    for line in lines:
        print(line)
    return 0


def user_delete_command(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> str:
        user = await _user_by_email(session, args.email)
        await people.remove_user(session, Actor.owner(), user.id)
        return user.email

    removed = _run("user delete", work)
    if removed is None:
        return 1
    print(f"removed user {removed}")
    return 0
