"""Shared fixtures live in tests/fixtures/; each module owns one real resource."""

pytest_plugins = [
    "tests.fixtures.db",
    "tests.fixtures.rasa",
]
