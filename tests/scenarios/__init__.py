"""Scenarios and helpers shared by several command test modules (tests/commands/test_<id>.py).

The modules here are not collected themselves: a test module subclasses a scenario class (named
Test<Command>) or calls a helper. pytest rewrites their asserts as it does a test module's."""

import pytest

pytest.register_assert_rewrite("tests.scenarios.common", "tests.scenarios.details", "tests.scenarios.quarantine",
                               "tests.scenarios.lists")
