import { defineConfig } from "vitest/config";

// Browser tests launch real Chromium and load Pyodide: run files one by one on this 2-core machine, in one worker
// process without per-file isolation, so test/helpers/browser.ts keeps one Chromium (and its warm Pyodide pages)
// for all the files instead of launching one per file. Each file still gets fresh pages and contexts.
// (The files share loaded modules: none of them mocks modules or stubs globals.)
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
    maxWorkers: 1,
    isolate: false,
    globalSetup: ["test/helpers/global-setup.ts"],
  },
});
