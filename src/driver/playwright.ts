// The Chromium driver: playwright-core's Browser, Context and Page behind the driver interfaces.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { playwrightCore } from "../playwright/core.js";
import { NavigationTimeoutError, type DriverBrowser, type DriverContext, type DriverPage } from "./driver.js";

/** A playwright-core page as a DriverPage. */
export class PlaywrightPage implements DriverPage {
  constructor(readonly page: Page) {}

  url(): string {
    return this.page.url();
  }

  async goto(url: string, timeoutMs: number): Promise<void> {
    try {
      await this.page.goto(url, { timeout: timeoutMs });
    } catch (error) {
      throw error instanceof playwrightCore.errors.TimeoutError ? new NavigationTimeoutError(url, timeoutMs) : error;
    }
  }

  evaluate<R>(expression: string): Promise<R> {
    return this.page.evaluate(expression) as Promise<R>;
  }

  call<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<Awaited<R>> {
    return this.page.evaluate(fn as (arg: unknown) => R, arg as unknown) as Promise<Awaited<R>>;
  }

  async expose<A>(name: string, fn: (arg: A) => unknown): Promise<void> {
    await this.page.exposeBinding(name, (_source, arg: unknown) => fn(arg as A));
  }

  onConsole(listener: (line: string) => void): void {
    this.page.on("console", (m) => listener(`[console.${m.type()}] ${m.text()}`));
    this.page.on("pageerror", (e) => listener(`[pageerror] ${e.message}`));
  }

  isClosed(): boolean {
    return this.page.isClosed();
  }

  close(): Promise<void> {
    return this.page.close();
  }
}

/** A playwright-core context as a DriverContext. */
class PlaywrightContext implements DriverContext {
  constructor(private readonly context: BrowserContext) {}

  async newPage(): Promise<DriverPage> {
    return new PlaywrightPage(await this.context.newPage());
  }

  close(): Promise<void> {
    return this.context.close();
  }
}

/** A playwright-core Chromium as a DriverBrowser. */
export class PlaywrightBrowser implements DriverBrowser {
  readonly name = "chromium" as const;

  constructor(readonly browser: Browser) {}

  async newContext(): Promise<DriverContext> {
    return new PlaywrightContext(await this.browser.newContext());
  }

  close(): Promise<void> {
    return this.browser.close();
  }
}
