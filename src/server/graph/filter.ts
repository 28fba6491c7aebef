// The OData `$filter` subset Graph clients send for service principals:
//   appId eq '…', id eq '…', displayName eq '…', servicePrincipalType eq '…',
//   appId in ('…','…'), startswith(displayName,'…'),
//   servicePrincipalNames/any(c:c eq '…'), joined by `and` / `or`, grouped by parentheses.
// Anything else is Graph's 400 Request_UnsupportedQuery, naming what was not understood.
import type { ServicePrincipal } from "../../providers/views/directory.js";
import { graphErrors } from "./errors.js";

export type Filter =
  | { kind: "eq"; field: ScalarField; values: string[] }
  | { kind: "startswith"; field: ScalarField; value: string }
  | { kind: "anyName"; value: string }
  | { kind: "and" | "or"; left: Filter; right: Filter };

type ScalarField = "appId" | "id" | "displayName" | "servicePrincipalType";
const SCALAR: Record<string, ScalarField> = {
  appid: "appId",
  id: "id",
  displayname: "displayName",
  serviceprincipaltype: "servicePrincipalType",
};

type Token = { t: "str"; v: string } | { t: "word"; v: string } | { t: "punct"; v: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let v = "";
      i++;
      for (;;) {
        if (i >= src.length) throw graphErrors.unsupportedQuery(`Unterminated string literal in '${src}'.`);
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += src[i++];
      }
      out.push({ t: "str", v });
    } else if ("(),:".includes(c)) {
      out.push({ t: "punct", v: c });
      i++;
    } else {
      const m = /^[A-Za-z_][\w/.]*/.exec(src.slice(i));
      if (!m) throw graphErrors.unsupportedQuery(`Syntax error at position ${i} in '${src}'.`);
      out.push({ t: "word", v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

export function parseFilter(src: string): Filter {
  const toks = tokenize(src);
  let pos = 0;
  const peek = () => toks[pos];
  const unsupported = (what: string) =>
    graphErrors.unsupportedQuery(`Unsupported query: ${what} in '${src}'.`);
  const expect = (t: Token["t"], v?: string): Token => {
    const tok = toks[pos];
    if (!tok || tok.t !== t || (v !== undefined && tok.v.toLowerCase() !== v))
      throw unsupported(`expected ${v ?? t} at token ${pos + 1}`);
    pos++;
    return tok;
  };
  const field = (name: string): ScalarField => {
    const f = SCALAR[name.toLowerCase()];
    if (!f) throw unsupported(`property '${name}'`);
    return f;
  };

  function term(): Filter {
    const tok = peek();
    if (!tok) throw unsupported("an incomplete clause");
    if (tok.t === "punct" && tok.v === "(") {
      pos++;
      const e = or();
      expect("punct", ")");
      return e;
    }
    if (tok.t !== "word") throw unsupported(`'${tok.v}'`);
    pos++;
    if (tok.v.toLowerCase() === "startswith") {
      expect("punct", "(");
      const f = field(expect("word").v);
      expect("punct", ",");
      const value = expect("str").v;
      expect("punct", ")");
      return { kind: "startswith", field: f, value };
    }
    if (tok.v.toLowerCase() === "serviceprincipalnames/any") {
      expect("punct", "(");
      const v = expect("word").v;
      expect("punct", ":");
      const lhs = expect("word").v;
      if (lhs !== v) throw unsupported(`lambda variable '${lhs}'`);
      expect("word", "eq");
      const value = expect("str").v;
      expect("punct", ")");
      return { kind: "anyName", value };
    }
    const f = field(tok.v);
    const op = expect("word").v.toLowerCase();
    if (op === "eq") return { kind: "eq", field: f, values: [expect("str").v] };
    if (op === "in") {
      expect("punct", "(");
      const values = [expect("str").v];
      while (peek()?.t === "punct" && peek()?.v === ",") {
        pos++;
        values.push(expect("str").v);
      }
      expect("punct", ")");
      return { kind: "eq", field: f, values };
    }
    throw unsupported(`operator '${op}'`);
  }
  function and(): Filter {
    let left = term();
    while (peek()?.t === "word" && peek()?.v.toLowerCase() === "and") {
      pos++;
      left = { kind: "and", left, right: term() };
    }
    return left;
  }
  function or(): Filter {
    let left = and();
    while (peek()?.t === "word" && peek()?.v.toLowerCase() === "or") {
      pos++;
      left = { kind: "or", left, right: and() };
    }
    return left;
  }
  const f = or();
  if (pos !== toks.length) throw unsupported(`'${toks[pos].v}'`);
  return f;
}

export function matchFilter(f: Filter, sp: ServicePrincipal): boolean {
  switch (f.kind) {
    case "eq":
      // Graph compares these string properties case-insensitively.
      return f.values.some((v) => sp[f.field].toLowerCase() === v.toLowerCase());
    case "startswith":
      return sp[f.field].toLowerCase().startsWith(f.value.toLowerCase());
    case "anyName":
      return sp.servicePrincipalNames.some((n) => n.toLowerCase() === f.value.toLowerCase());
    case "and":
      return matchFilter(f.left, sp) && matchFilter(f.right, sp);
    case "or":
      return matchFilter(f.left, sp) || matchFilter(f.right, sp);
  }
}
