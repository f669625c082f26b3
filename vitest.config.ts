import { defineConfig } from "vitest/config";

// Browser tests launch real Chromium and load Pyodide: run files one by one on this 2-core machine.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    globalSetup: ["test/helpers/global-setup.ts"],
  },
});
