// The driver: the few things wsbridge asks of a browser automation library (launch, contexts, pages, evaluate, a
// binding, console lines, close). Chromium is driven by playwright-core, Firefox by puppeteer-core over WebDriver BiDi
// (playwright-core's BiDi channel cannot open a page in Firefox ESR): each sits behind these interfaces.

/** The browsers `wsbridge test --browser` and attachPython drive. */
export type BrowserName = "chromium" | "firefox";

/** Every browser name, in the order the CLI lists them. */
export const BROWSER_NAMES: readonly BrowserName[] = ["chromium", "firefox"];

/** `name` as a BrowserName, or undefined when it is none. */
export function browserName(name: string): BrowserName | undefined {
  return (BROWSER_NAMES as readonly string[]).includes(name) ? (name as BrowserName) : undefined;
}

/** A launched browser. */
export interface DriverBrowser {
  readonly name: BrowserName;
  /** A fresh, isolated context (its own storage and cookies). */
  newContext(): Promise<DriverContext>;
  close(): Promise<void>;
}

/** One browser context; closing it closes its pages (and kills a page whose main thread is stuck). */
export interface DriverContext {
  newPage(): Promise<DriverPage>;
  close(): Promise<void>;
}

/** One page. Values cross as JSON-able data in both directions. */
export interface DriverPage {
  /** The page's current URL. */
  url(): string;
  /** Navigates and waits for the load event; rejects with a NavigationTimeoutError after `timeoutMs`. */
  goto(url: string, timeoutMs: number): Promise<void>;
  /** Evaluates a JavaScript expression (a promise is awaited) and resolves to its value. */
  evaluate<R>(expression: string): Promise<R>;
  /** Calls `fn(arg)` in the page (a promise is awaited) and resolves to its value. `fn` must not close over anything. */
  call<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<Awaited<R>>;
  /**
   * Defines `globalThis[name](arg)` in the page, now and after each navigation: it calls `fn(arg)` in Node and
   * resolves to what `fn` returns. Node has the call before the page's next statement runs, even if that statement
   * blocks the page; so (in Firefox, where the page waits for the answer) `fn` must not wait for the page.
   */
  expose<A>(name: string, fn: (arg: A) => unknown): Promise<void>;
  /** Calls `listener` with each console message (`[console.TYPE] text`) and uncaught page error (`[pageerror] message`). */
  onConsole(listener: (line: string) => void): void;
  isClosed(): boolean;
  close(): Promise<void>;
}

/** A navigation that did not finish within its timeout (each library words its own error differently). */
export class NavigationTimeoutError extends Error {
  constructor(url: string, timeoutMs: number) {
    super(`navigating to ${url} did not finish within ${timeoutMs} ms`);
    this.name = "NavigationTimeoutError";
  }
}
