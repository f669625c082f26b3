// pdb in the controller page reads the terminal that ran `wsbridge test`: the page's stdin asks for a line ("stdin"),
// the runner reads one here and answers ("input"), and the watchdogs stand still while the user types. Where no one
// can type (stdin is not a terminal, CI, --watch's keys), the page is told why up front and pdb does not open.

/** The part of process.stdin read here. */
export interface TerminalStream {
  isTTY?: boolean;
  on(event: "data", listener: (chunk: Buffer | string) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  off(event: "data", listener: (chunk: Buffer | string) => void): unknown;
  off(event: "end", listener: () => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

/** Why pdb cannot read this terminal (the page says so in the test's failure), or "" when it can. */
export function terminalRefusal(stdin: { isTTY?: boolean }, env: NodeJS.ProcessEnv, watch: boolean): string {
  if (watch) return "--watch reads its keys from the terminal";
  if (env.CI && !["0", "false"].includes(env.CI.toLowerCase())) return "CI is set, so no one is at a terminal to type pdb's commands";
  if (!stdin.isTTY) return "wsbridge test's stdin is not a terminal";
  return "";
}

/** pytest's option that opens pdb (`--pdb`, `--trace`) among `args`, if any: the run then takes one page. */
export function pdbOption(args: readonly string[]): string | undefined {
  return args.find((arg) => arg === "--pdb" || arg === "--trace");
}

/** What answering pdb needs from the run: its watchdogs, how it hands the line over, and its interruption. */
export interface InputHost {
  /** Stops the time limits (the test's, the collection's) while pdb waits. */
  pause(): void;
  /** Starts them again, afresh. */
  resume(): void;
  /** Hands the line to the controller page. */
  send(line: string | null): void;
  /** Settles on Ctrl-C or SIGTERM: the page stops waiting by itself (it got "interrupt"). */
  interrupted: Promise<void>;
}

/** The terminal's lines, read only while pdb asks for one (stdin is left paused otherwise, so the process can exit). */
export class TerminalInput {
  private buffer = "";
  private readonly lines: string[] = [];
  private ended = false;
  private waiter?: (line: string | null) => void;
  private readonly onData = (chunk: Buffer | string) => this.take(String(chunk));
  private readonly onEnd = () => { this.ended = true; this.hand(); };

  constructor(private readonly stdin: TerminalStream) {}

  /** Answers one "stdin" message: pauses the watchdogs, reads a line (null at the terminal's end) and sends it. */
  async answer(host: InputHost): Promise<void> {
    host.pause();
    let interrupted = false;
    const line = await Promise.race([this.next(), host.interrupted.then(() => { interrupted = true; return null; })]);
    if (interrupted) { this.stop(); return; }
    host.resume();
    host.send(line);
  }

  /** The next line typed, without its newline; null once the terminal has ended (Ctrl-D). */
  next(): Promise<string | null> {
    if (this.lines.length) return Promise.resolve(this.lines.shift()!);
    if (this.ended) return Promise.resolve(null);
    return new Promise((ok) => {
      this.waiter = ok;
      this.stdin.on("data", this.onData);
      this.stdin.on("end", this.onEnd);
      this.stdin.resume();
    });
  }

  /** Splits what was typed into lines and hands the first to the waiting reader. */
  private take(text: string): void {
    this.buffer += text;
    const parts = this.buffer.split(/\r?\n/);
    this.buffer = parts.pop()!;
    this.lines.push(...parts);
    this.hand();
  }

  /** Resolves the waiting reader when a line (or the end) is there, and stops reading. */
  private hand(): void {
    if (!this.waiter || (!this.lines.length && !this.ended)) return;
    const waiter = this.waiter;
    this.stop();
    waiter(this.lines.length ? this.lines.shift()! : null);
  }

  /** Stops reading stdin (no waiter left). */
  private stop(): void {
    this.waiter = undefined;
    this.stdin.off("data", this.onData);
    this.stdin.off("end", this.onEnd);
    this.stdin.pause();
  }
}
