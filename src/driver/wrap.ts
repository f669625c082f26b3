// A page from either library (or one already wrapped) as a DriverPage: attachPython takes all three.
import type { Page as PlaywrightPageType } from "playwright-core";
import type { DriverPage } from "./driver.js";
import { PlaywrightPage } from "./playwright.js";
import { PuppeteerPage, type PuppeteerPageLike as PuppeteerPageType } from "./puppeteer.js";

/** A page attachPython accepts: playwright-core's (Chromium), puppeteer-core's (Firefox), or a DriverPage. */
export type AnyPage = PlaywrightPageType | PuppeteerPageType | DriverPage;

/** Whether `page` already is a DriverPage (a wrapper of ours or an equivalent). */
function isDriverPage(page: AnyPage): page is DriverPage {
  return typeof (page as Partial<DriverPage>).call === "function" && typeof (page as Partial<DriverPage>).onConsole === "function";
}

/** `page` behind the driver interface; told apart by what only each library's Page has. */
export function asDriverPage(page: AnyPage): DriverPage {
  if (isDriverPage(page)) return page;
  if (typeof (page as Partial<PuppeteerPageType>).browserContext === "function") return new PuppeteerPage(page as PuppeteerPageType);
  if (typeof (page as Partial<PlaywrightPageType>).context === "function") return new PlaywrightPage(page as PlaywrightPageType);
  throw new TypeError("attachPython: page must be a playwright-core or puppeteer-core Page");
}
