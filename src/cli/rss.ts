// The memory the test pages use: the resident set of the Chromium renderer processes this process started, read from
// /proc (Linux). For `WSBRIDGE_TIMINGS=1` and `npm run bench:runner`, which report it when a page is ready and again
// at the session's end (it must not grow with the tests).
import { readdirSync, readFileSync } from "node:fs";

/** The parent of each process (pid → ppid), from /proc/PID/stat. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so read after its last ")".
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      map.set(Number(name), ppid);
    } catch {
      // gone meanwhile
    }
  }
  return map;
}

/** True when `pid` descends from `root`. */
function descends(pid: number, root: number, parentOf: Map<number, number>): boolean {
  for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) if (p === root) return true;
  return false;
}

/** Resident memory of one process in bytes (VmRSS), or 0 when it is gone. */
function rssOf(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The renderer processes under `root` (default: this process) and their resident memory; undefined without /proc. */
export function rendererMemory(root = process.pid): { renderers: number; bytes: number } | undefined {
  let parentOf: Map<number, number>;
  try {
    parentOf = parents();
  } catch {
    return undefined;
  }
  let renderers = 0;
  let bytes = 0;
  for (const pid of parentOf.keys()) {
    if (!descends(pid, root, parentOf)) continue;
    let cmdline = "";
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue;
    }
    if (!cmdline.includes("--type=renderer")) continue;
    renderers++;
    bytes += rssOf(pid);
  }
  return { renderers, bytes };
}

/** "N renderers, X MiB" for a timing line. */
export function describeMemory(memory: { renderers: number; bytes: number } | undefined): string {
  return memory ? `${memory.renderers} renderer${memory.renderers === 1 ? "" : "s"}, ${Math.round(memory.bytes / 2 ** 20)} MiB resident` : "not measured (no /proc)";
}
