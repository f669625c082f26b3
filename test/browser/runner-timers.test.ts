// `wsbridge test` end to end: the callbacks a test leaves scheduled on the page's loop (`call_soon`, `call_later`,
// `call_at`: a reconnect timer, say) are cancelled with its tasks, so none fires in the next test, while a task that
// outlives the tests (a module fixture's) keeps its own timers.
import { describe, expect, it } from "vitest";
import { cliHarness, once, shown, wsbridge } from "./_runner-cli.js";

const { project } = cliHarness();

/** What both test files share: `fire` records which test phase a timer fired in; a reconnect opens a live socket. */
const COMMON = `import asyncio
import json
import os

from wsbridge import WebSocket, connect

fired: list[str] = []
woken: list[asyncio.Future[str]] = []


def fire(name: str) -> None:
    """What a leftover timer does: records its name and the test phase running (pytest's own variable), wakes a waiter."""
    fired.append(f"{name} in {os.environ.get('PYTEST_CURRENT_TEST')}")
    for waiter in woken:
        if not waiter.done():
            waiter.set_result(name)


def reconnect(url: str) -> None:
    fire("reconnect")
    WebSocket(url)


async def close_with_reconnect_timer(url: str, leak_url: str) -> None:
    """Opens a socket the server closes; its close handler (a handler, not a task) sets a reconnect timer."""
    loop = asyncio.get_running_loop()
    closed = loop.create_future()

    def on_close(event):
        loop.call_later(0.05, reconnect, leak_url)
        closed.set_result(event.code)

    WebSocket(url, onclose=on_close)
    assert await closed == 4000


async def what_fired_and_opened(ws_server, key: str, allowed: str) -> tuple[list[str], list[object]]:
    """Waits for a leftover timer to fire (the first ends the wait); returns the timers of this file that fired in
    a phase other than allowed, and the sockets logged under key (what a reconnect opened)."""
    waiter = asyncio.get_running_loop().create_future()
    woken.append(waiter)
    await asyncio.wait([waiter], timeout=1.5)  # every timer the last test left is due within it
    here = os.environ["PYTEST_CURRENT_TEST"].split("::")[0]  # this file's phases only: the page may run others first
    async with connect(ws_server.url(f"/received?log={key}")) as ws:
        opened = json.loads(await ws.recv(timeout=5))
    return [f for f in fired if f" in {here}::" in f and not f.endswith(allowed)], opened
`;

/**
 * test_timers.py: test A leaves timers of every kind, one of them a reconnect set from a socket's close handler;
 * test B waits for any of them to fire. test_settling.py: test A also leaves a task, so the reset lets it settle
 * for a moment, during which the task sets a timer of its own and A's reconnect timer would be due.
 */
const TIMERS = project("timers", {
  "timer_helpers.py": COMMON,
  "test_timers.py": `import asyncio

import pytest

from timer_helpers import close_with_reconnect_timer, fire, what_fired_and_opened


@pytest.fixture(scope="module")
async def ticks():
    """A task that outlives the tests (a module fixture's): the timers of its sleeps are its own, not a test's."""
    counted: list[asyncio.Future[int]] = []

    async def tick() -> None:
        n = 0
        while True:
            await asyncio.sleep(0.01)
            n += 1
            for waiter in counted:
                if not waiter.done():
                    waiter.set_result(n)

    task = asyncio.ensure_future(tick())
    yield counted
    task.cancel()


async def test_a_leaves_timers_behind(ws_server, ticks):
    await close_with_reconnect_timer(ws_server.url("/close?code=4000&now=1"), ws_server.url("/echo?log=leak"))
    loop = asyncio.get_running_loop()
    loop.call_later(0.05, fire, "call_later")
    loop.call_at(loop.time() + 0.05, fire, "call_at")
    loop.call_soon(fire, "call_soon")


async def test_b_none_of_them_fires_here(ws_server):
    # call_soon's may run in test A itself, before its teardown begins.
    assert await what_fired_and_opened(ws_server, "leak", "test_a_leaves_timers_behind (call)") == ([], [])


async def test_c_a_task_that_outlives_the_tests_keeps_its_timers(ticks):
    waiter = asyncio.get_running_loop().create_future()
    ticks.append(waiter)
    assert await asyncio.wait_for(waiter, 10) > 0


async def test_d_a_test_s_own_timers_still_fire_within_it():
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    loop.call_later(0.01, done.set_result, "later")
    assert await done == "later"
`,
  "test_settling.py": `import asyncio

from timer_helpers import close_with_reconnect_timer, fire, what_fired_and_opened


async def test_a_leaves_a_task_and_a_reconnect_timer(ws_server):
    await close_with_reconnect_timer(ws_server.url("/close?code=4000&now=1"), ws_server.url("/echo?log=settling"))
    loop = asyncio.get_running_loop()

    async def linger() -> None:
        await asyncio.sleep(0)
        # Runs while the reset lets leftover tasks settle; its timer is due after that.
        loop.call_later(0.5, fire, "set by a leftover task")
        await asyncio.sleep(60)

    asyncio.ensure_future(linger())


async def test_b_nothing_fires_after_a_ends(ws_server):
    assert await what_fired_and_opened(ws_server, "settling", "no test phase at all") == ([], [])
`,
});

const run = once(() => wsbridge(["test", "-v", "-p", "no:cacheprovider", "--workers", "1"], TIMERS));

describe("wsbridge test: timers a test leaves behind", () => {
  it("are cancelled after it: none fires in the next test, none opens a socket there", async () => {
    const r = await run();
    expect(r.out, shown(r)).toMatch(/test_a_leaves_timers_behind PASSED/);
    expect(r.out, shown(r)).toMatch(/test_b_none_of_them_fires_here PASSED/);
  });

  it("are cancelled before the reset lets the test's tasks settle, and so are those the tasks set meanwhile", async () => {
    const r = await run();
    expect(r.out, shown(r)).toMatch(/test_a_leaves_a_task_and_a_reconnect_timer PASSED/);
    expect(r.out, shown(r)).toMatch(/test_b_nothing_fires_after_a_ends PASSED/);
  });

  it("while a task that outlives the test keeps its timers, and a test's timers fire within it", async () => {
    const r = await run();
    expect(r.out, shown(r)).toMatch(/test_c_a_task_that_outlives_the_tests_keeps_its_timers PASSED/);
    expect(r.out, shown(r)).toMatch(/test_d_a_test_s_own_timers_still_fire_within_it PASSED/);
    expect(r.code, shown(r)).toBe(0);
    expect(r.out + r.err).not.toMatch(/Task was destroyed but it is pending/);
  });
});
