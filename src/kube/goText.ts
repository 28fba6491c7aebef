// Go's way of writing text that kube-apiserver's messages quote, shared by validation and the
// schedule parser.
import { GO_PRINTABLE } from "./fields.js";

/** Go's strconv.Quote (`%q`), with which field errors print a string value. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (GO_PRINTABLE.test(ch)) out += ch;
    else if (GO_ESCAPES[r]) out += GO_ESCAPES[r];
    else if (r < 0x20 || r === 0x7f) out += `\\x${r.toString(16).padStart(2, "0")}`;
    else if (r < 0x10000) out += `\\u${r.toString(16).padStart(4, "0")}`;
    else out += `\\U${r.toString(16).padStart(8, "0")}`;
  }
  return `${out}"`;
}
const GO_ESCAPES: Record<number, string> = {
  7: "\\a",
  8: "\\b",
  9: "\\t",
  10: "\\n",
  11: "\\v",
  12: "\\f",
  13: "\\r",
};

/**
 * encoding/json's UnmarshalTypeError for a decoded JSON `value` that does not fit the int64
 * struct field `field` (`Type.field`), or undefined when it fits (or is absent).
 */
export function goInt64FieldError(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || (typeof value === "number" && Number.isSafeInteger(value)))
    return undefined;
  const what =
    typeof value === "number"
      ? `number ${value}`
      : typeof value === "string"
        ? "string"
        : typeof value === "boolean"
          ? "bool"
          : Array.isArray(value)
            ? "array"
            : "object";
  return `json: cannot unmarshal ${what} into Go struct field ${field} of type int64`;
}

/** encoding/json's maxNestingDepth. */
const MAX_NESTING = 10000;

/** encoding/json's quoteChar: a byte as a quoted character literal in its error messages. */
function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  const q = goQuote(c);
  return `'${q.slice(1, -1)}'`;
}

/**
 * The SyntaxError Go's encoding/json (and sigs.k8s.io/json, which kube-apiserver decodes with)
 * reports for the first fault of `text` — its scanner's contexts and words — or undefined when
 * the text is valid JSON to Go. Iterative, as Go's scanner is: nesting costs no stack.
 */
export function goJsonSyntaxError(text: string): string | undefined {
  const bad = (c: string, context: string) => `invalid character ${quoteChar(c)} ${context}`;
  const EOF = "unexpected end of JSON input";
  const n = text.length;
  let i = 0;
  const skip = () => {
    while (i < n && (text[i] === " " || text[i] === "\t" || text[i] === "\r" || text[i] === "\n")) i++;
  };
  const digit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
  /** Open objects ("o") and arrays ("a"), innermost last. */
  const stack: ("o" | "a")[] = [];
  let state: "value" | "key" | "after" = "value";
  for (;;) {
    skip();
    if (state === "after" && !stack.length) return i < n ? bad(text[i], "after top-level value") : undefined;
    if (i >= n) return EOF;
    const c = text[i];
    if (state === "key") {
      if (c !== '"') return bad(c, "looking for beginning of object key string");
      const e = scanString();
      if (e) return e;
      skip();
      if (i >= n) return EOF;
      if (text[i] !== ":") return bad(text[i], "after object key");
      i++;
      state = "value";
      continue;
    }
    if (state === "after") {
      const top = stack[stack.length - 1];
      if (c === ",") {
        i++;
        state = top === "o" ? "key" : "value";
      } else if (c === (top === "o" ? "}" : "]")) {
        i++;
        stack.pop();
      } else return bad(c, top === "o" ? "after object key:value pair" : "after array element");
      continue;
    }
    // A value.
    if (c === "{" || c === "[") {
      if (stack.length >= MAX_NESTING) return bad(c, "exceeded max depth");
      stack.push(c === "{" ? "o" : "a");
      i++;
      skip();
      if (text[i] === (c === "{" ? "}" : "]")) {
        i++;
        stack.pop();
        state = "after";
      } else state = c === "{" ? "key" : "value";
      continue;
    }
    const e = c === '"' ? scanString() : c === "-" || digit(c) ? scanNumber() : scanLiteral(c);
    if (e) return e;
    state = "after";
  }

  function scanString(): string | undefined {
    i++; // the opening quote
    for (;;) {
      if (i >= n) return EOF;
      const c = text[i];
      if (c === '"') {
        i++;
        return undefined;
      }
      if (c === "\\") {
        i++;
        if (i >= n) return EOF;
        const e = text[i];
        if (e === "u") {
          for (let k = 0; k < 4; k++) {
            i++;
            if (i >= n) return EOF;
            if (!/[0-9a-fA-F]/.test(text[i])) return bad(text[i], "in \\u hexadecimal character escape");
          }
        } else if (!'bfnrt\\/"'.includes(e)) return bad(e, "in string escape code");
        i++;
        continue;
      }
      if (c < " ") return bad(c, "in string literal");
      i++;
    }
  }

  function scanNumber(): string | undefined {
    if (text[i] === "-") {
      i++;
      if (i >= n) return EOF;
      if (!digit(text[i])) return bad(text[i], "in numeric literal");
    }
    if (text[i] === "0") i++;
    else while (digit(text[i])) i++;
    if (text[i] === ".") {
      i++;
      if (i >= n) return EOF;
      if (!digit(text[i])) return bad(text[i], "after decimal point in numeric literal");
      while (digit(text[i])) i++;
    }
    if (text[i] === "e" || text[i] === "E") {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      if (i >= n) return EOF;
      if (!digit(text[i])) return bad(text[i], "in exponent of numeric literal");
      while (digit(text[i])) i++;
    }
    return undefined;
  }

  function scanLiteral(c: string): string | undefined {
    const word = c === "t" ? "true" : c === "f" ? "false" : c === "n" ? "null" : undefined;
    if (!word) return bad(c, "looking for beginning of value");
    for (let k = 1; k < word.length; k++) {
      i++;
      if (i >= n) return EOF;
      if (text[i] !== word[k]) return bad(text[i], `in literal ${word} (expecting '${word[k]}')`);
    }
    i++;
    return undefined;
  }
}
