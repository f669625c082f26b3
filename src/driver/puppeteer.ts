// The Firefox driver: puppeteer-core's Browser, BrowserContext and Page (over WebDriver BiDi) behind the driver
// interfaces. puppeteer-core is loaded only when Firefox is launched: a Chromium run never pays for it.

// The parts of puppeteer-core's Page, BrowserContext and Browser used here, declared structurally: wsbridge's public
// types must not name puppeteer-core, an optional peer dependency a Chromium-only project does not install.
/** The parts of puppeteer-core's Page the driver uses. */
export interface PuppeteerPageLike {
  url(): string;
  goto(url: string, options: { timeout: number }): Promise<unknown>;
  evaluate(fn: unknown, ...args: unknown[]): Promise<unknown>;
  evaluateOnNewDocument(script: string): Promise<unknown>;
  isClosed(): boolean;
  close(): Promise<void>;
  browserContext(): unknown;
}

/** The parts of puppeteer-core's BrowserContext the driver uses. */
interface PuppeteerContextLike {
  newPage(options?: { type: "window" }): Promise<PuppeteerPageLike>;
  close(): Promise<void>;
}

/** The parts of puppeteer-core's Browser the driver uses. */
export interface PuppeteerBrowserLike {
  createBrowserContext(): Promise<PuppeteerContextLike>;
  newPage(): Promise<PuppeteerPageLike>;
  close(): Promise<void>;
}
import { NavigationTimeoutError, type DriverBrowser, type DriverContext, type DriverPage } from "./driver.js";
import { SyncBindingServer, syncBindingScript } from "./sync-binding.js";

let bindings: Promise<SyncBindingServer> | undefined;

/** The process's binding server, started on first use. */
function bindingServer(): Promise<SyncBindingServer> {
  bindings ??= SyncBindingServer.start();
  bindings.catch(() => { bindings = undefined; });
  return bindings;
}

/** A puppeteer-core page as a DriverPage. */
export class PuppeteerPage implements DriverPage {
  constructor(readonly page: PuppeteerPageLike) {}

  url(): string {
    return this.page.url();
  }

  async goto(url: string, timeoutMs: number): Promise<void> {
    try {
      await this.page.goto(url, { timeout: timeoutMs });
    } catch (error) {
      throw error instanceof Error && error.name === "TimeoutError" ? new NavigationTimeoutError(url, timeoutMs) : error;
    }
  }

  evaluate<R>(expression: string): Promise<R> {
    return this.page.evaluate(expression) as Promise<R>;
  }

  call<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<Awaited<R>> {
    return this.page.evaluate(fn as (arg: unknown) => R, arg as unknown) as Promise<Awaited<R>>;
  }

  /** Not puppeteer-core's exposeFunction: its calls wait for the page's event loop (src/driver/sync-binding.ts). */
  async expose<A>(name: string, fn: (arg: A) => unknown): Promise<void> {
    const script = syncBindingScript(name, (await bindingServer()).register((arg) => fn(arg as A)));
    await this.page.evaluateOnNewDocument(script);
    await this.page.evaluate(script);
  }

  onConsole(listener: (line: string) => void): void {
    // puppeteer-core's `on` is typed per event; this structural view names the two used here.
    const events = this.page as unknown as { on(event: string, handler: (arg: never) => void): unknown };
    events.on("console", (m: { type(): string; text(): string }) => listener(`[console.${m.type()}] ${m.text()}`));
    events.on("pageerror", (e: unknown) => listener(`[pageerror] ${e instanceof Error ? e.message : String(e)}`));
  }

  isClosed(): boolean {
    return this.page.isClosed();
  }

  close(): Promise<void> {
    return this.page.close();
  }
}

/** A puppeteer-core browser context as a DriverContext. */
class PuppeteerContext implements DriverContext {
  constructor(private readonly context: PuppeteerContextLike) {}

  /**
   * A page in a window of its own: as a tab next to another context's, it would be a background tab, hidden
   * (`document.visibilityState`) with timers clamped to 1 s, where every Chromium page under Playwright is visible.
   */
  async newPage(): Promise<DriverPage> {
    return new PuppeteerPage(await this.context.newPage({ type: "window" }));
  }

  close(): Promise<void> {
    return this.context.close();
  }
}

/** A puppeteer-core Firefox as a DriverBrowser. */
export class PuppeteerBrowser implements DriverBrowser {
  readonly name = "firefox" as const;

  constructor(readonly browser: PuppeteerBrowserLike) {}

  async newContext(): Promise<DriverContext> {
    return new PuppeteerContext(await this.browser.createBrowserContext());
  }

  close(): Promise<void> {
    return this.browser.close();
  }
}
