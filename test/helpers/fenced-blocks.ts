// The fenced code blocks of a Markdown text: what the docs test (test/docs/docs-run.test.ts) runs and the unit
// tests of the README read. A block marked `no-run` (in its info string, or `<!-- no-run -->` on the line before
// the fence) is not meant to run.

export interface Block {
  file: string;
  line: number;
  lang: string;
  noRun: boolean;
  code: string;
}

/** The fenced blocks of a Markdown text, with their 1-based opening line. */
export function fencedBlocks(file: string, text: string): Block[] {
  const lines = text.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(```+)\s*([^`]*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, info] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j]!.trimStart().startsWith(fence!); j++) body.push(lines[j]!.slice(indent!.length));
    const words = info!.trim().split(/\s+/).filter(Boolean);
    const before = i > 0 ? lines[i - 1]!.trim() : "";
    blocks.push({ file, line: i + 1, lang: words[0] ?? "", noRun: words.includes("no-run") || before === "<!-- no-run -->", code: body.join("\n") });
    i = j;
  }
  return blocks;
}
