// The terminal pdb reads (src/cli/terminal-input.ts): when it may be read, which options take one page, and lines read
// only while pdb asks, with the watchdogs paused meanwhile.
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { pdbOption, TerminalInput, terminalRefusal, type InputHost } from "../../src/cli/terminal-input.js";

/** A stdin stand-in that records whether it is being read. */
class FakeStdin extends EventEmitter {
  isTTY = true;
  reading = false;
  resume(): this { this.reading = true; return this; }
  pause(): this { this.reading = false; return this; }
}

/** An InputHost that records what happened, in order. */
function host(interrupted: Promise<void> = new Promise(() => undefined)): InputHost & { log: string[] } {
  const log: string[] = [];
  return { log, interrupted, pause: () => log.push("pause"), resume: () => log.push("resume"), send: (line) => log.push(`send ${String(line)}`) };
}

describe("terminalRefusal", () => {
  it("reads a terminal; refuses stdin that is none, CI, and --watch (its keys)", () => {
    expect(terminalRefusal({ isTTY: true }, {}, false)).toBe("");
    expect(terminalRefusal({ isTTY: true }, { CI: "false" }, false)).toBe("");
    expect(terminalRefusal({ isTTY: false }, {}, false)).toMatch(/stdin is not a terminal/);
    expect(terminalRefusal({ isTTY: true }, { CI: "true" }, false)).toMatch(/CI is set/);
    expect(terminalRefusal({ isTTY: true }, {}, true)).toMatch(/--watch/);
  });
});

describe("pdbOption", () => {
  it("finds --pdb and --trace, nothing else", () => {
    expect(pdbOption(["-q", "--pdb"])).toBe("--pdb");
    expect(pdbOption(["--trace", "x.py"])).toBe("--trace");
    expect(pdbOption(["-k", "pdb", "--pdbcls=x:y"])).toBeUndefined();
  });
});

describe("TerminalInput", () => {
  it("reads stdin only while asked; lines split across chunks; watchdogs paused until the line is sent", async () => {
    const stdin = new FakeStdin();
    const input = new TerminalInput(stdin);
    expect(stdin.reading).toBe(false);
    const h = host();
    const answered = input.answer(h);
    expect(h.log).toEqual(["pause"]);
    expect(stdin.reading).toBe(true);
    stdin.emit("data", "p x");
    stdin.emit("data", " * 2\r\nc\n");
    await answered;
    expect(h.log).toEqual(["pause", "resume", "send p x * 2"]);
    expect(stdin.reading).toBe(false);
    expect(await input.next()).toBe("c");
    const end = input.next();
    stdin.emit("end");
    expect(await end).toBeNull();
  });

  it("an interrupt ends the wait without an answer (the page stops waiting by itself)", async () => {
    const stdin = new FakeStdin();
    let interrupt = () => undefined as void;
    const h = host(new Promise<void>((ok) => { interrupt = ok; }));
    const answered = new TerminalInput(stdin).answer(h);
    interrupt();
    await answered;
    expect(h.log).toEqual(["pause"]);
    expect(stdin.reading).toBe(false);
  });
});
