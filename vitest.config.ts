import { defineConfig } from "vitest/config";

// Browser tests launch real Chromium and load Pyodide. Two lanes on this 2-core machine:
// - "main": two worker processes take the files one at a time each, so a file that mostly waits (a CLI run's
//   page loads in a child process, a timeout) overlaps with another. Each process runs its files without
//   per-file isolation, so test/helpers/browser.ts keeps one Chromium (and its warm Pyodide pages) per process
//   for all its files instead of launching one per file. Each file still gets fresh pages and contexts.
//   (The files share loaded modules: none of them mocks modules or stubs globals.)
// - "alone", after "main": files that must not share the machine with another file: two rebuild dist/ (which the
//   other files load; `npm pack` runs prepack), and the demo measures frame and message rates.
const ALONE = ["test/e2e/consumer.test.ts", "test/e2e/demo.test.ts", "test/browser/attach-exit.test.ts"];

const common = {
  testTimeout: 60_000,
  hookTimeout: 120_000,
  pool: "forks" as const,
  isolate: false,
  globalSetup: ["test/helpers/global-setup.ts"],
};

export default defineConfig({
  test: {
    projects: [
      { test: { ...common, name: "main", include: ["test/**/*.test.ts"], exclude: ALONE, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { test: { ...common, name: "alone", include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
