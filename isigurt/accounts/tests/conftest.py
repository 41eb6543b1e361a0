import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with no login attempts counted by the shared rate limiter."""
    cache.clear()
    yield
    cache.clear()
