// The subset of PowerShell the AksHci documents use, tokenised and parsed into statements:
// `$v = Cmdlet -param value …`, named parameters (`-name value`, `-switch`, `-param:value`),
// 'single' and "double" quoted strings ($var expansion and backtick escapes in double
// quotes), comma arrays and @(…), $true/$false/$null, $var.Property, parenthesised
// sub-commands, pipes (`| Format-Table`), backtick line continuation, `#` and `<# #>`
// comments, `;` and newlines between statements. Positions are kept so errors can point
// at the offending text the way PowerShell does ("At line:1 char:19").

export interface Pos {
  line: number;
  col: number;
  /** Offset into the source, and the token's length (for the `~~~~` underline). */
  offset: number;
  length: number;
}

type TokKind =
  | "word"
  | "param"
  | "string"
  | "var"
  | "lparen"
  | "rparen"
  | "atparen"
  | "comma"
  | "pipe"
  | "assign"
  | "sep"
  | "eof";

interface Tok extends Pos {
  kind: TokKind;
  text: string;
  /** Strings: the decoded text; params: the name without `-`. */
  value: string;
  /** Double-quoted: parts to expand. */
  parts?: StringPart[];
  /** `-param:` (the value follows the colon). */
  colon?: boolean;
  /** Whitespace came right before this token. */
  spaced?: boolean;
}

export type StringPart = { text: string } | { variable: string; props: string[] };

export type Expr =
  | { kind: "word"; value: string; pos: Pos }
  | { kind: "string"; parts: StringPart[]; pos: Pos }
  | { kind: "var"; name: string; props: string[]; pos: Pos }
  | { kind: "array"; items: Expr[]; pos: Pos }
  | { kind: "sub"; statements: Statement[]; pos: Pos; at: boolean };

export type Arg =
  | { kind: "param"; name: string; pos: Pos; value?: Expr }
  | { kind: "value"; expr: Expr; pos: Pos };

export interface Command {
  name: string;
  pos: Pos;
  args: Arg[];
  /** A bare expression used as a pipeline element (`$vnet`, `"text"`). */
  expr?: Expr;
}

export interface Statement {
  assign?: string;
  pipeline: Command[];
  pos: Pos;
}

export class ParseError extends Error {
  constructor(
    message: string,
    readonly pos: Pos,
    readonly errorId: string,
  ) {
    super(message);
  }
}

const BARE_END = new Set([" ", "\t", "\r", "\n", "(", ")", ",", "|", ";", "{", "}"]);

export function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let spaced = true;
  const pos = (start: number, startLine: number, startCol: number): Pos => ({
    line: startLine,
    col: startCol,
    offset: start,
    length: i - start,
  });
  const push = (
    kind: TokKind,
    start: number,
    l: number,
    c: number,
    value: string,
    extra: Partial<Tok> = {},
  ) => {
    toks.push({ kind, text: src.slice(start, i), value, ...pos(start, l, c), spaced, ...extra });
    spaced = false;
  };
  while (i < src.length) {
    const ch = src[i];
    const l = line;
    const c = i - lineStart + 1;
    const start = i;
    if (ch === " " || ch === "\t" || ch === "\r") {
      i++;
      spaced = true;
      continue;
    }
    if (ch === "`" && (src[i + 1] === "\n" || (src[i + 1] === "\r" && src[i + 2] === "\n"))) {
      i += src[i + 1] === "\r" ? 3 : 2;
      line++;
      lineStart = i;
      spaced = true;
      continue;
    }
    if (ch === "<" && src[i + 1] === "#") {
      const end = src.indexOf("#>", i + 2);
      if (end < 0)
        throw new ParseError(
          "Missing closing '#>' at the end of the block comment.",
          pos(start, l, c),
          "MissingEndOfComment",
        );
      for (let k = i; k < end; k++)
        if (src[k] === "\n") {
          line++;
          lineStart = k + 1;
        }
      i = end + 2;
      spaced = true;
      continue;
    }
    if (ch === "#") {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    if (ch === "\n" || ch === ";") {
      i++;
      push("sep", start, l, c, ch);
      if (ch === "\n") {
        line++;
        lineStart = i;
      }
      spaced = true;
      continue;
    }
    if (ch === "(" || ch === ")" || ch === "," || ch === "|") {
      i++;
      push(ch === "(" ? "lparen" : ch === ")" ? "rparen" : ch === "," ? "comma" : "pipe", start, l, c, ch);
      continue;
    }
    if (ch === "@" && src[i + 1] === "(") {
      i += 2;
      push("atparen", start, l, c, "@(");
      continue;
    }
    if (ch === "=" && (spaced || toks.at(-1)?.kind === "var")) {
      i++;
      push("assign", start, l, c, "=");
      continue;
    }
    if (ch === "'") {
      let out = "";
      i++;
      for (;;) {
        if (i >= src.length)
          throw new ParseError(
            "The string is missing the terminator: '.",
            { line: l, col: c, offset: start, length: 1 },
            "TerminatorExpectedAtEndOfString",
          );
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            out += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (src[i] === "\n") {
          line++;
          lineStart = i + 1;
        }
        out += src[i++];
      }
      push("string", start, l, c, out, { parts: [{ text: out }] });
      continue;
    }
    if (ch === '"') {
      const parts: StringPart[] = [];
      let text = "";
      i++;
      for (;;) {
        if (i >= src.length)
          throw new ParseError(
            'The string is missing the terminator: ".',
            { line: l, col: c, offset: start, length: 1 },
            "TerminatorExpectedAtEndOfString",
          );
        const d = src[i];
        if (d === '"') {
          if (src[i + 1] === '"') {
            text += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (d === "`" && i + 1 < src.length) {
          const e = src[i + 1];
          text += e === "n" ? "\n" : e === "t" ? "\t" : e === "r" ? "\r" : e === "0" ? "\0" : e;
          i += 2;
          continue;
        }
        if (d === "$") {
          const m = /^\$(?:\{([^}]+)\}|([A-Za-z_][A-Za-z0-9_]*(?::[A-Za-z0-9_]+)?))/.exec(src.slice(i));
          if (m) {
            if (text) parts.push({ text });
            text = "";
            parts.push({ variable: m[1] ?? m[2], props: [] });
            i += m[0].length;
            continue;
          }
        }
        if (d === "\n") {
          line++;
          lineStart = i + 1;
        }
        text += d;
        i++;
      }
      if (text || parts.length === 0) parts.push({ text });
      push("string", start, l, c, "", { parts });
      continue;
    }
    if (ch === "$") {
      const m =
        /^\$(?:\{([^}]+)\}|([A-Za-z_][A-Za-z0-9_]*(?::[A-Za-z0-9_]+)?))((?:\.[A-Za-z_][A-Za-z0-9_]*)*)/.exec(
          src.slice(i),
        );
      if (!m)
        throw new ParseError(
          "Variable reference is not valid. '$' was not followed by a valid variable name character.",
          { line: l, col: c, offset: start, length: 1 },
          "InvalidVariableReference",
        );
      i += m[0].length;
      push("var", start, l, c, m[1] ?? m[2], {
        parts: m[3]
          ? m[3]
              .slice(1)
              .split(".")
              .map((t) => ({ text: t }))
          : [],
      });
      continue;
    }
    if (ch === "-" && /[A-Za-z_]/.test(src[i + 1] ?? "") && spaced) {
      i++;
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i])) i++;
      const name = src.slice(start + 1, i);
      let colon = false;
      if (src[i] === ":") {
        i++;
        colon = true;
      }
      push("param", start, l, c, name, { colon });
      continue;
    }
    // Bare word: a command name, a number, an unquoted argument (flannel, 10.0.0.1, C:\x).
    let word = "";
    while (i < src.length && !BARE_END.has(src[i])) {
      if (src[i] === "`" && i + 1 < src.length && src[i + 1] !== "\n") {
        word += src[i + 1];
        i += 2;
        continue;
      }
      if (src[i] === "'" || src[i] === '"') break;
      word += src[i++];
    }
    if (i === start) {
      throw new ParseError(
        `Unexpected token '${ch}' in expression or statement.`,
        pos(start, l, c),
        "UnexpectedToken",
      );
    }
    push("word", start, l, c, word);
  }
  toks.push({
    kind: "eof",
    text: "",
    value: "",
    line,
    col: i - lineStart + 1,
    offset: i,
    length: 0,
    spaced: true,
  });
  return toks;
}

export function parse(src: string): Statement[] {
  const toks = tokenize(src);
  let k = 0;
  const peek = () => toks[k];
  const next = () => toks[k++];
  const unexpected = (t: Tok, what = `Unexpected token '${t.text}' in expression or statement.`) =>
    new ParseError(what, t, "UnexpectedToken");

  const statements = (end: TokKind): Statement[] => {
    const out: Statement[] = [];
    for (;;) {
      while (peek().kind === "sep") next();
      if (peek().kind === end || peek().kind === "eof") break;
      out.push(statement(end));
      const t = peek();
      if (t.kind !== "sep" && t.kind !== end && t.kind !== "eof") throw unexpected(t);
    }
    return out;
  };

  const statement = (end: TokKind): Statement => {
    const first = peek();
    let assign: string | undefined;
    if (first.kind === "var" && toks[k + 1].kind === "assign") {
      assign = first.value;
      k += 2;
      if (peek().kind === "sep" || peek().kind === "eof" || peek().kind === end)
        throw new ParseError(
          "You must provide a value expression following the '=' operator.",
          toks[k - 1],
          "ExpectedValueExpression",
        );
    }
    const pipeline: Command[] = [command(end)];
    while (peek().kind === "pipe") {
      const bar = next();
      while (peek().kind === "sep" && peek().value === "\n") next();
      if (peek().kind === "eof" || peek().kind === "sep" || peek().kind === end)
        throw new ParseError("An empty pipe element is not allowed.", bar, "EmptyPipeElement");
      pipeline.push(command(end));
    }
    return { ...(assign ? { assign } : {}), pipeline, pos: { ...first } };
  };

  const command = (end: TokKind): Command => {
    const t = peek();
    if (t.kind === "word" && !/^[-+]?\d/.test(t.value)) {
      next();
      const args: Arg[] = [];
      for (;;) {
        const a = peek();
        if (a.kind === "sep" || a.kind === "pipe" || a.kind === "eof" || a.kind === end) break;
        if (a.kind === "param") {
          next();
          const arg: Arg = { kind: "param", name: a.value, pos: a };
          if (a.colon) arg.value = valueExpr(end);
          args.push(arg);
          continue;
        }
        if (a.kind === "rparen" || a.kind === "assign" || a.kind === "comma") throw unexpected(a);
        const expr = valueExpr(end);
        args.push({ kind: "value", expr, pos: expr.pos });
      }
      return { name: t.value, pos: t, args };
    }
    const expr = valueExpr(end);
    return { name: "", pos: expr.pos, args: [], expr };
  };

  const valueExpr = (end: TokKind): Expr => {
    const first = primary(end);
    if (peek().kind !== "comma") return first;
    const items = [first];
    while (peek().kind === "comma") {
      next();
      while (peek().kind === "sep" && peek().value === "\n") next();
      items.push(primary(end));
    }
    return { kind: "array", items, pos: first.pos };
  };

  const primary = (end: TokKind): Expr => {
    const t = next();
    switch (t.kind) {
      case "word":
        return { kind: "word", value: t.value, pos: t };
      case "string":
        return { kind: "string", parts: t.parts ?? [{ text: t.value }], pos: t };
      case "var":
        return {
          kind: "var",
          name: t.value,
          props: (t.parts ?? []).map((p) => ("text" in p ? p.text : "")),
          pos: t,
        };
      case "lparen":
      case "atparen": {
        const body = statements("rparen");
        const close = next();
        if (close.kind !== "rparen")
          throw new ParseError("Missing closing ')' in expression.", t, "MissingEndParenthesisInExpression");
        return { kind: "sub", statements: body, pos: t, at: t.kind === "atparen" };
      }
      default:
        void end;
        throw t.kind === "eof" || t.kind === "sep"
          ? new ParseError("Missing expression after ','.", t, "MissingExpressionAfterToken")
          : unexpected(t);
    }
  };

  const out = statements("eof");
  if (peek().kind !== "eof") throw unexpected(peek());
  return out;
}
