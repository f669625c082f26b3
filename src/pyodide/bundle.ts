// One transfer for many files: the project a test page mirrors, and the site-packages a restored snapshot needs again
// (Pyodide's file system is not part of a memory snapshot). Pure functions, used by Node and by the page.
//
// Layout: "WSB1", a little-endian u32 header length, the header (UTF-8 JSON: [path, size] per entry, size -1 for a
// folder), then every file's bytes in header order. Bytes are kept exactly: no text decoding anywhere.

/** The four bytes every bundle starts with. */
const MAGIC = [0x57, 0x53, 0x42, 0x31];

/** One file (bytes) or folder (undefined) at an absolute POSIX path. */
export interface BundleEntry {
  path: string;
  data?: Uint8Array;
}

/** The bundle of `entries`, in their order. */
export function encodeBundle(entries: readonly BundleEntry[]): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify(entries.map((e) => [e.path, e.data ? e.data.length : -1])));
  const size = entries.reduce((sum, e) => sum + (e.data?.length ?? 0), 8 + header.length);
  const out = new Uint8Array(size);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, header.length, true);
  out.set(header, 8);
  let at = 8 + header.length;
  for (const entry of entries) {
    if (!entry.data) continue;
    out.set(entry.data, at);
    at += entry.data.length;
  }
  return out;
}

/** The entries of a bundle (views into `bytes`, not copies); throws on a truncated or foreign one, saying which. */
export function decodeBundle(bytes: Uint8Array): BundleEntry[] {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error("not a wsbridge file bundle (bad magic)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > bytes.length) throw new Error("truncated file bundle (header)");
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Array<[string, number]>;
  let at = 8 + headerLength;
  const entries: BundleEntry[] = [];
  for (const [path, size] of header) {
    if (size < 0) { entries.push({ path }); continue; }
    if (at + size > bytes.length) throw new Error(`truncated file bundle (${path})`);
    entries.push({ path, data: bytes.subarray(at, at + size) });
    at += size;
  }
  if (at !== bytes.length) throw new Error(`file bundle has ${bytes.length - at} bytes past its last file`);
  return entries;
}
