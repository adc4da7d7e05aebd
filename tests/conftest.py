"""Shared fixtures. Each fixture family lives in its own module under tests/fixtures/."""

pytest_plugins = [
    "tests.fixtures.reference",
    "tests.fixtures.simulator",
    "tests.fixtures.database",
    "tests.fixtures.contract",
    "tests.fixtures.api",
]
