// wsbridge/playwright: drive Pyodide pages with wsbridge from Node through playwright-core.
export { attachPython, PythonError, PyodideLoadError, sharedStaticServer, type AttachOptions, type PythonHandle } from "./attach.js";
export { startStaticServer, pyodideDir, distDir, type StaticServer, type StaticServerOptions } from "./static-server.js";
export { pyodideRelease, SUPPORTED_RELEASES, PyodideReleaseError, type PyodideRelease, type ReleaseSeries } from "./pyodide-release.js";
export { findChromium, launchChromium, CHROMIUM_ARGS, BrowserNotFoundError } from "./browser.js";
export { startTestServer, type TestServer } from "./test-server.js";
export { findFirefox, launchFirefox, FIREFOX_PREFS } from "../driver/firefox.js";
export type { BrowserName, DriverBrowser, DriverContext, DriverPage } from "../driver/driver.js";
