"""The plugin's time limit for async tests and fixtures (wsbridge.pytest_plugin._run)."""
import asyncio

import pytest

from wsbridge import pytest_plugin


async def times_out_by_itself() -> None:
    await asyncio.wait_for(asyncio.get_running_loop().create_future(), 0.01)


async def never_finishes() -> None:
    await asyncio.get_running_loop().create_future()


async def answers() -> int:
    await asyncio.sleep(0)
    return 42


def test_a_timeout_error_the_code_raises_is_its_own_failure_not_the_time_limit():
    # Run well within the limit: the TimeoutError comes from the code's own wait_for, with its traceback.
    with pytest.raises(TimeoutError):
        pytest_plugin._run(times_out_by_itself(), 30, "the code")


def test_the_time_limit_fails_the_test_with_its_own_message():
    with pytest.raises(pytest.fail.Exception, match=r"^Timeout: the code did not finish within 0\.05 s"):
        pytest_plugin._run(never_finishes(), 0.05, "the code")


def test_a_result_comes_back_with_or_without_a_limit():
    assert pytest_plugin._run(answers(), 30, "the code") == 42
    assert pytest_plugin._run(answers(), None, "the code") == 42
