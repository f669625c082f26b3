// `on*` event handler properties with the browser's rules: one listener per type, registered when first set,
// keeping its place among listeners when replaced, removed when set to null; non-functions count as null.

type Handler = ((this: EventTarget, event: Event) => unknown) | null;

/** The `onopen`/`onmessage`/`onerror`/`onclose` slots of one EventTarget. */
export class EventHandlerSlots {
  private readonly values = new Map<string, Handler>();
  private readonly listeners = new Map<string, (event: Event) => void>();

  constructor(private readonly target: EventTarget) {}

  /** The handler set for `type`, or null. */
  get(type: string): Handler {
    return this.values.get(type) ?? null;
  }

  /** Sets the handler for `type` as the browser does. */
  set(type: string, value: unknown): void {
    const handler = typeof value === "function" || (typeof value === "object" && value !== null) ? (value as Handler) : null;
    if (handler === null) {
      const listener = this.listeners.get(type);
      if (listener) this.target.removeEventListener(type, listener);
      this.listeners.delete(type);
      this.values.delete(type);
      return;
    }
    this.values.set(type, handler);
    if (this.listeners.has(type)) return;
    const listener = (event: Event): void => {
      const current = this.values.get(type);
      if (typeof current === "function") current.call(this.target, event);
    };
    this.listeners.set(type, listener);
    this.target.addEventListener(type, listener);
  }
}
