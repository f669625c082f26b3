// `wsbridge test` end to end: a test that navigates the page it runs in (at its end, from a JS timer, sync or async)
// has one outcome, FAILED with the reason, on the controller page and on a worker page alike, and the run goes on;
// an iframe's navigation is the test's own business. (Before, the navigation landed after the test had reported
// PASSED and killed the page: a second, FAILED report for the same test, or an internal error ending the run.)
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliHarness, linesOf, shown, testsuite, totals, wsbridge } from "./_runner-cli.js";

const { project } = cliHarness();

/** Tests that navigate their page three ways, a test that navigates an iframe, and one after them all. */
const NAVIGATING = `from wsbridge import page


async def test_navigates_at_its_end():
    await page.evaluate("location.href = '/'")


def test_navigates_sync():
    page.evaluate("location.href = '/'")


async def test_navigates_from_a_timer():
    await page.evaluate("new Promise((done) => setTimeout(() => { location.reload(); done(); }, 0))")


async def test_an_iframe_navigates():
    path = await page.evaluate("""new Promise((done) => {
        const frame = document.createElement("iframe");
        frame.onload = () => frame.contentWindow.location.hash === "#second" ? done(frame.contentWindow.location.pathname) : frame.contentWindow.location.replace(location.origin + "/?again#second");
        frame.src = location.origin + "/";
        document.body.append(frame);
    })""")
    assert path == "/"


def test_after_them():
    assert page.evaluate("location.hash") == ""
`;

const NAVIGATORS = ["test_navigates_at_its_end", "test_navigates_sync", "test_navigates_from_a_timer"];

/** Checks a run of NAVIGATING as `file`: each test reported once (-v line, JUnit case), the navigators failed with the reason. */
async function expectOneOutcomeEach(dir: string, file: string, out: string): Promise<void> {
  for (const name of [...NAVIGATORS, "test_an_iframe_navigates", "test_after_them"]) {
    const lines = linesOf(out, `${file}::${name}`);
    expect(lines, `${name}\n${out}`).toHaveLength(1);
    expect(lines[0]).toContain(NAVIGATORS.includes(name) ? "FAILED" : "PASSED");
  }
  expect(out).toContain("the test navigated the page it runs in (to http://127.0.0.1:");
  const suite = await testsuite(join(dir, "out.xml"));
  const cases = suite.children.filter((c) => c.tag === "testcase" && c.attrs.classname?.endsWith("test_nav"));
  expect(cases.map((c) => c.attrs.name).sort()).toEqual([...NAVIGATORS, "test_after_them", "test_an_iframe_navigates"].sort());
  for (const c of cases) expect(c.children.filter((x) => x.tag === "failure").length, c.attrs.name).toBe(NAVIGATORS.includes(c.attrs.name!) ? 1 : 0);
}

describe("a test that navigates its own page has one outcome", () => {
  it("on the controller page: FAILED once with the reason, and the tests after it run", async () => {
    const dir = project("controller", { "tests/test_nav.py": NAVIGATING });
    const r = await wsbridge(["test", "-v", "--workers", "1", "--junitxml", "out.xml", "tests"], dir);
    expect(r.code, shown(r)).toBe(1);
    expect(r.err, shown(r)).not.toContain("internal error");
    expect(totals(r.out)).toEqual({ failed: 3, passed: 2 });
    await expectOneOutcomeEach(dir, "tests/test_nav.py", r.out);
  });

  it("on a worker page: the same", async () => {
    const dir = project("worker", {
      "tests/test_first.py": "def test_first():\n    pass\n",
      "tests/test_nav.py": NAVIGATING,
    });
    const r = await wsbridge(["test", "-v", "--workers", "2", "--junitxml", "out.xml", "tests"], dir);
    expect(r.code, shown(r)).toBe(1);
    expect(r.out, shown(r)).not.toContain("the page died");
    expect(totals(r.out)).toEqual({ failed: 3, passed: 3 });
    await expectOneOutcomeEach(dir, "tests/test_nav.py", r.out);
  });
});
