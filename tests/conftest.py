"""Shared fixtures. Each fixture family lives in its own module under tests/fixtures/."""

from zoombridge.wiring import connect_signals

# As every zoombridge process does at start-up: the domains' receivers of each other's signals
# (tests call services directly, without an app or a worker).
connect_signals()

pytest_plugins = [
    "tests.fixtures.reference",
    "tests.fixtures.simulator",
    "tests.fixtures.database",
    "tests.fixtures.contract",
    "tests.fixtures.api",
    "tests.fixtures.hubspot_spec",
    "tests.fixtures.hubspot_simulator",
]
