// Errors from user code (route handlers, fault functions, inspection listeners): reported as uncaught, never
// thrown into the engine, so one broken handler does not stop routing.

/** Reports an error from user code as uncaught, without throwing. */
export function report(error: unknown): void {
  const g = globalThis as { reportError?: (e: unknown) => void };
  if (typeof g.reportError === "function") g.reportError(error);
  else console.error(error);
}

/** Runs a user handler; an exception (or a rejected promise) is reported and does not stop routing. */
export function runHandler(fn: () => unknown): void {
  try {
    const result = fn();
    if (result instanceof Promise) result.catch(report);
  } catch (error) {
    report(error);
  }
}
