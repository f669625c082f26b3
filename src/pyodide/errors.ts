// The one PythonError: a Python exception that crossed into JS, wherever it ran (page, worker, PyScript).

/** A Python exception raised in Pyodide: `message` is the traceback, `type` the exception class name. */
export class PythonError extends Error {
  /** The Python exception's class name, e.g. `"ValueError"` (`"Exception"` when the traceback does not say). */
  readonly type: string;
  constructor(traceback: string, type?: string) {
    super(traceback);
    this.name = "PythonError";
    this.type = type || exceptionType(traceback);
  }

  /** The same as `type` (the name `attachPython`'s errors used first). */
  get pythonType(): string {
    return this.type;
  }
}

/** `ValueError` from a traceback whose last line is `ValueError: ...`. */
export function exceptionType(traceback: string): string {
  const last = traceback.trimEnd().split("\n").pop() ?? "";
  return /^([A-Za-z_][\w.]*)(?::|$)/.exec(last)?.[1] ?? "Exception";
}
