// playwright-core, loaded with `require`: it is CommonJS, and an ESM `import` of it makes Node scan its 7 MB of
// source for export names first (cjs-module-lexer), about 0.14 s of every run's start.
import { createRequire } from "node:module";

type PlaywrightCore = typeof import("playwright-core");

/** playwright-core's module, as its CommonJS entry exports it. */
export const playwrightCore: PlaywrightCore = createRequire(import.meta.url)("playwright-core") as PlaywrightCore;
