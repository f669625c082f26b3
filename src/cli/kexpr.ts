// `-k EXPR`: pytest-style selection by case-insensitive substring, with `not`, `and`, `or` and parentheses.

/** Thrown for an expression that does not parse; the CLI turns it into a usage error (exit 2). */
export class KExpressionError extends Error {
  constructor(expr: string, detail: string) {
    super(`-k ${JSON.stringify(expr)}: ${detail}`);
    this.name = "KExpressionError";
  }
}

type Node =
  | { kind: "word"; text: string }
  | { kind: "not"; operand: Node }
  | { kind: "and" | "or"; left: Node; right: Node };

type Token = { kind: "word" | "and" | "or" | "not" | "(" | ")"; text: string };

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  for (const match of expr.matchAll(/(\()|(\))|([^\s()]+)/g)) {
    if (match[1]) tokens.push({ kind: "(", text: "(" });
    else if (match[2]) tokens.push({ kind: ")", text: ")" });
    else {
      const text = match[3]!;
      const lower = text.toLowerCase();
      tokens.push(lower === "and" || lower === "or" || lower === "not" ? { kind: lower, text } : { kind: "word", text });
    }
  }
  return tokens;
}

/** Parses EXPR: `or` binds loosest, then `and`, then `not`; a bare word matches as a substring. */
function parse(expr: string): Node {
  const tokens = tokenize(expr);
  let pos = 0;
  const peek = () => tokens[pos];
  const orExpr = (): Node => {
    let left = andExpr();
    while (peek()?.kind === "or") { pos++; left = { kind: "or", left, right: andExpr() }; }
    return left;
  };
  const andExpr = (): Node => {
    let left = notExpr();
    while (peek()?.kind === "and") { pos++; left = { kind: "and", left, right: notExpr() }; }
    return left;
  };
  const notExpr = (): Node => {
    const token = peek();
    if (token?.kind === "not") { pos++; return { kind: "not", operand: notExpr() }; }
    if (token?.kind === "(") {
      pos++;
      const inner = orExpr();
      if (peek()?.kind !== ")") throw new KExpressionError(expr, "missing ')'");
      pos++;
      return inner;
    }
    if (token?.kind === "word") { pos++; return { kind: "word", text: token.text.toLowerCase() }; }
    throw new KExpressionError(expr, token ? `unexpected ${JSON.stringify(token.text)}` : "expression ends too early");
  };
  if (tokens.length === 0) throw new KExpressionError(expr, "empty expression");
  const tree = orExpr();
  if (pos < tokens.length) throw new KExpressionError(expr, `unexpected ${JSON.stringify(tokens[pos]!.text)}`);
  return tree;
}

function evaluate(node: Node, id: string): boolean {
  switch (node.kind) {
    case "word": return id.includes(node.text);
    case "not": return !evaluate(node.operand, id);
    case "and": return evaluate(node.left, id) && evaluate(node.right, id);
    case "or": return evaluate(node.left, id) || evaluate(node.right, id);
  }
}

/** Compiles EXPR into a predicate over test ids (`path::name`); throws `KExpressionError` when it does not parse. */
export function compileK(expr: string): (id: string) => boolean {
  const tree = parse(expr);
  return (id) => evaluate(tree, id.toLowerCase());
}
