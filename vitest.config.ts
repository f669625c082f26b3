import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

// Browser tests launch real Chromium and load Pyodide. Two lanes on this 2-core machine:
// - "main": two worker processes take the files one at a time each, so a file that mostly waits (a CLI run's
//   page loads in a child process, a timeout) overlaps with another. Each process runs its files without
//   per-file isolation, so test/helpers/browser.ts keeps one Chromium (and its warm Pyodide pages) per process
//   for all its files instead of launching one per file. Each file still gets fresh pages and contexts.
//   (The files share loaded modules: none of them mocks modules or stubs globals.)
// - "alone", after "main": the demo, which measures frame and message rates, must not share the machine.
const ALONE = ["test/e2e/demo.test.ts"];

/**
 * The longest files of "main", longest first, so that neither lane is left with a long file at the end while the
 * other idles. vitest orders by the durations it cached (none on a clean clone, where it orders by file size), and
 * python-suite.test.ts's time is spent at collection (the one `wsbridge test test/python` run), which vitest does not
 * count: it used to start last, alone for its minute.
 */
const LONGEST_FIRST = [
  "test/browser/python-suite.test.ts",
  "test/compat/pyodide-releases.test.ts",
  "test/browser/runner-runs.test.ts",
  "test/browser/firefox.test.ts",
  "test/browser/runner.test.ts",
  "test/browser/attach-load.test.ts",
  "test/conformance/conformance.test.ts",
  "test/browser/runner-extras.test.ts",
];

class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const at = LONGEST_FIRST.findIndex((file) => spec.moduleId.endsWith(file));
      return at < 0 ? LONGEST_FIRST.length : at;
    };
    // Array.prototype.sort is stable: the projects' order and vitest's order among the other files stay.
    const project = (spec: TestSpecification) => sorted.findIndex((s) => s.project === spec.project);
    return sorted.sort((a, b) => project(a) - project(b) || rank(a) - rank(b));
  }
}

const common = {
  testTimeout: 60_000,
  hookTimeout: 120_000,
  pool: "forks" as const,
  isolate: false,
  globalSetup: ["test/helpers/global-setup.ts"],
};

export default defineConfig({
  test: {
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      { test: { ...common, name: "main", include: ["test/**/*.test.ts"], exclude: ALONE, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { test: { ...common, name: "alone", include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
