"""The ``make_rule`` fixture: test-only rules registered for one test (see verify_test_rules)."""
import pytest
from verify_test_rules import registered


@pytest.fixture
def make_rule():
    with registered() as make:
        yield make
