import pytest


@pytest.mark.parametrize("n", range(6))
def test_n(n):
    assert n >= 0
