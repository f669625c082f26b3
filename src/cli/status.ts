// A one-line status on the terminal while nothing else is printed (Chromium starting, the page loading, a snapshot
// being made): a run never sits silent. Only on a terminal; the first line of real output replaces it.

/** Erases the current terminal line (carriage return, erase to the end of the line). */
const ERASE = "\r\x1b[K";

export class StatusLine {
  private shown = false;

  /** `write`: the terminal's stream; `enabled`: false (not a terminal) makes every call a no-op. */
  constructor(private readonly write: (text: string) => void, private readonly enabled: boolean) {}

  /** Shows `text` in place of the current status. */
  show(text: string): void {
    if (!this.enabled) return;
    this.write(`${ERASE}wsbridge: ${text}`);
    this.shown = true;
  }

  /** Erases the status, if one is shown (before any other output). */
  clear(): void {
    if (!this.shown) return;
    this.shown = false;
    this.write(ERASE);
  }
}
