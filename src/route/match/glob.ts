// Playwright-compatible URL globs: `*` (no slash), `**` (anything), `{a,b}`, `\` escapes; relative globs resolved against a base.

/** Characters that have a meaning in a RegExp and stand for themselves in a glob. */
const REGEX_SPECIAL = new Set(["$", "^", "+", ".", "*", "(", ")", "|", "\\", "?", "{", "}", "[", "]"]);

/** Escapes one glob character for use in a RegExp source. */
function literal(char: string): string {
  return REGEX_SPECIAL.has(char) ? `\\${char}` : char;
}

/** Throws the error for an invalid glob, naming the pattern (a SyntaxError, as an invalid RegExp is). */
function invalid(glob: string, why: string): never {
  throw new SyntaxError(`Invalid glob pattern ${JSON.stringify(glob)}: ${why}`);
}

/** Translates the run of stars starting at `start` into RegExp source; returns it and the index after the run. */
function stars(glob: string, start: number): [string, number] {
  let end = start;
  while (glob[end] === "*") end++;
  if (end - start === 1) return ["([^/]*)", end];
  if (glob[end] !== "/") return ["(.*)", end];
  // `**/` matches zero or more whole segments after a slash, any prefix otherwise.
  return [glob[start - 1] === "/" ? "((.+/)|)" : "(.*/)", end + 1];
}

/** Converts a glob to an anchored RegExp source; throws on unbalanced or nested braces. */
export function globToRegexSource(glob: string): string {
  let out = "^";
  let inGroup = false;
  let i = 0;
  while (i < glob.length) {
    const c = glob[i]!;
    if (c === "\\" && i + 1 < glob.length) {
      out += literal(glob[i + 1]!);
      i += 2;
      continue;
    }
    if (c === "*") {
      const [source, next] = stars(glob, i);
      out += source;
      i = next;
      continue;
    }
    if (c === "{") {
      if (inGroup) invalid(glob, "nested '{' is not supported");
      inGroup = true;
      out += "(";
    } else if (c === "}") {
      if (!inGroup) invalid(glob, "unmatched '}'");
      inGroup = false;
      out += ")";
    } else if (c === "," && inGroup) {
      out += "|";
    } else {
      out += c === "," ? "\\," : literal(c);
    }
    i++;
  }
  if (inGroup) invalid(glob, "unmatched '{'");
  return `${out}$`;
}

/** Rewrites an http(s) base URL to ws(s), ignoring the scheme's case; other bases are returned as they are. */
export function toWebSocketBase(base: string | undefined): string | undefined {
  if (!base || !/^https?:\/\//i.test(base)) return base;
  return base.replace(/^https?/i, (scheme) => (scheme.toLowerCase() === "https" ? "wss" : "ws"));
}

/** Schemes whose globs are never resolved against the base. */
const OPAQUE_SCHEMES = ["about:", "data:", "chrome:", "edge:", "file:"];

/**
 * Resolves a glob that does not start with `*` against `base` as a URL would resolve, keeping glob tokens
 * intact: each segment holding glob syntax is swapped for a placeholder, resolved, then swapped back.
 */
export function resolveGlob(base: string | undefined, glob: string): string {
  if (glob.startsWith("*")) return glob;
  glob = glob.replaceAll("\\\\?", "?");
  if (OPAQUE_SCHEMES.some((scheme) => glob.startsWith(scheme))) return glob;
  const placeholders: Array<[string, string]> = [];
  const hide = (text: string, stand: string): string => {
    if (!text) return "";
    placeholders.push([stand, text]);
    return stand;
  };
  const segments = glob.split("/").map((segment, index) => {
    if (segment === "" || segment === "." || segment === "..") return segment;
    if (index === 0 && segment.endsWith(":")) return /[*{]/.test(segment) ? hide(segment, "http:") : segment;
    if (!/[*?{}\\]/.test(segment)) return segment;
    const q = segment.indexOf("?");
    if (q < 0) return hide(segment, `$_${index}_$`);
    return hide(segment.slice(0, q), `$_${index}_$`) + hide(segment.slice(q), `?$_${index}_$`);
  });
  let resolved: string;
  let origin: string | undefined;
  try {
    const url = new URL(segments.join("/"), base);
    resolved = url.href;
    origin = url.origin;
  } catch {
    resolved = segments.join("/");
  }
  for (const [stand, text] of placeholders) {
    const lower = origin !== undefined && origin.includes(stand);
    resolved = resolved.replace(stand, () => (lower ? text.toLowerCase() : text));
  }
  return resolved;
}

/** The RegExp a WebSocket route glob stands for, given the document's base URL. */
export function webSocketGlobToRegex(base: string | undefined, glob: string): RegExp {
  return new RegExp(globToRegexSource(resolveGlob(toWebSocketBase(base), glob)));
}
