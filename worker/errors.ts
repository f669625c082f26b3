// Errors that cross the worker boundary.

/** The part of Comlink's TransferHandler used here (declared locally: the published types must not need comlink). */
interface TransferHandler<T, S> {
  canHandle(value: unknown): value is T;
  serialize(value: T): [S, Transferable[]];
  deserialize(value: S): T;
}

/**
 * Makes Comlink's "throw" handler carry extra fields of thrown Errors (Comlink keeps only
 * message, name and stack). Call on the sending side; the receiving side copies every field back.
 */
export function preserveErrorFields(handlers: Map<string, TransferHandler<unknown, unknown>>, fields: string[]): void {
  const original = handlers.get("throw");
  if (!original) return;
  handlers.set("throw", {
    canHandle: original.canHandle,
    serialize(thrown) {
      const [wire, transfer] = original.serialize(thrown);
      const error = (thrown as { value?: unknown }).value;
      const serialized = wire as { isError?: boolean; value?: Record<string, unknown> };
      if (error instanceof Error && serialized.isError && serialized.value) {
        for (const field of fields) {
          const value = (error as unknown as Record<string, unknown>)[field];
          if (value !== undefined) serialized.value[field] = value;
        }
      }
      return [wire, transfer];
    },
    deserialize: original.deserialize,
  });
}

export { PythonError } from "../src/pyodide/errors.js";

/** The worker is gone (crashed, failed to load, or terminated); every pending and later call rejects with it. */
export class WorkerDiedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WorkerDiedError";
  }
}
