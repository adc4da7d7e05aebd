"""`zoombridge user create` with a role and departments, driven through the CLI's parser."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts import cli
from zoombridge.accounts.models import Department, User, UserDepartment
from zoombridge.db.engine import create_engine_from_settings
from zoombridge.db.session import create_sessionmaker, transaction
from zoombridge.settings import get_settings

T = TypeVar("T")


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="zoombridge")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("ZOOMBRIDGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ZOOMBRIDGE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


async def _in_database(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    engine = create_engine_from_settings(get_settings())
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            return await work(session)
    finally:
        await engine.dispose()


def test_the_first_user_is_an_owner_and_others_get_their_role_and_departments(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("user", "create", "Olga@Example.com", "--generate-password") == 0
    assert "created user olga@example.com (owner)" in capsys.readouterr().out

    async def add_sales(session: AsyncSession) -> None:
        session.add(Department(name="Sales"))

    asyncio.run(_in_database(add_sales))
    assert (
        run(
            "user",
            "create",
            "dana@example.com",
            "--role",
            "department_admin",
            "--department",
            "sales",
            "--generate-password",
        )
        == 0
    )

    async def read(session: AsyncSession) -> tuple[dict[str, User], list[UserDepartment]]:
        users = {u.email: u for u in await session.scalars(select(User))}
        links = list(await session.scalars(select(UserDepartment)))
        return users, links

    users, links = asyncio.run(_in_database(read))
    assert users["olga@example.com"].role.value == "owner"
    assert users["dana@example.com"].role.value == "department_admin"
    assert [link.user_id for link in links] == [users["dana@example.com"].id]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (("not-an-email",), "is not an email address"),
        (("x@example.com", "--role", "department_admin"), "needs at least one department"),
        (("x@example.com", "--role", "admin", "--department", "Nowhere"), "no department named"),
    ],
)
def test_a_user_that_cannot_be_made_is_refused_in_one_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], says: str
) -> None:
    assert run("user", "create", *argv, "--generate-password") == 1
    err = capsys.readouterr().err
    assert says in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_users_are_listed_given_a_new_password_and_removed(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("user", "create", "olga@example.com", "--generate-password") == 0
    assert run("user", "create", "adam@example.com", "--role", "admin", "--generate-password") == 0
    capsys.readouterr()
    assert run("user", "list") == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].split("\t")[:2] == ["email", "role"]
    assert [line.split("\t")[:2] for line in listed[1:]] == [
        ["adam@example.com", "admin"],
        ["olga@example.com", "owner"],
    ]

    async def hash_of(session: AsyncSession) -> str:
        user = await session.scalar(select(User).where(User.email == "adam@example.com"))
        assert user is not None
        return user.password_hash

    before = asyncio.run(_in_database(hash_of))
    assert run("user", "set-password", "Adam@example.com", "--generate-password") == 0
    assert "password: " in capsys.readouterr().out
    assert asyncio.run(_in_database(hash_of)) != before

    assert run("user", "delete", "adam@example.com") == 0
    assert run("user", "delete", "olga@example.com") == 1  # the last owner stays
    assert "last owner" in capsys.readouterr().err
    assert run("user", "delete", "nobody@example.com") == 1
    assert "There is no user" in capsys.readouterr().err
