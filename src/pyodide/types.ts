// The slice of Pyodide's API that wsbridge uses; typed here so the browser bundle needs no Pyodide import.

/** A Python object seen from JS. */
export interface PyProxy {
  toJs(options?: { dict_converter?: (entries: Iterable<[unknown, unknown]>) => unknown; create_pyproxies?: boolean }): unknown;
  destroy(): void;
  type: string;
}

/** A Python callable seen from JS. */
export interface PyCallable extends PyProxy {
  (...args: unknown[]): unknown;
}

export interface PyodideLike {
  FS: {
    mkdirTree(path: string): void;
    writeFile(path: string, data: string | Uint8Array): void;
    readFile(path: string, options: { encoding: "utf8" }): string;
    stat(path: string): { mode: number };
    isFile(mode: number): boolean;
  };
  registerJsModule(name: string, module: object): void;
  runPython(code: string): unknown;
  runPythonAsync(code: string): Promise<unknown>;
  ffi?: { PyProxy?: abstract new (...args: never[]) => unknown };
}

/** True when `value` is a PyProxy (it has `destroy` and a Python `type`). */
export function isPyProxy(value: unknown): value is PyProxy {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as PyProxy).destroy === "function" && typeof (value as PyProxy).type === "string";
}
