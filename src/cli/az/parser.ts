// An argparse-compatible flag parser for the `aksnet az` front-end. az is built on Python's
// argparse, so its error texts and consumption rules (a value may not look like an option,
// `nargs='+'` eats tokens up to the next option, required check before unrecognized) are
// reproduced here: scripts written against az must fail the same way.

export type FlagKind = "string" | "bool" | "tri" | "list" | "int";
export type FlagValue = string | string[] | number | boolean;

export interface FlagSpec {
  /** Option strings as az registers them, long first: ["--resource-group", "-g"]. */
  names: string[];
  /** Key in the parsed result (camelCase of the first long name unless given). */
  dest: string;
  help: string;
  kind: FlagKind;
  required?: boolean;
  /** Allowed values; matched case-insensitively and normalised to the casing listed here. */
  choices?: readonly string[];
  default?: FlagValue;
  /** `list` only: minimum number of values (argparse `+` = 1, `*` = 0). */
  minValues?: number;
  /** Help section ("Arguments", "Network Arguments", "Global Arguments", …). */
  group?: string;
  /** Not listed in help (deprecated or preview spellings). */
  hidden?: boolean;
}

export interface FlagOptions {
  dest?: string;
  kind?: FlagKind;
  required?: boolean;
  choices?: readonly string[];
  default?: FlagValue;
  minValues?: number;
  group?: string;
  hidden?: boolean;
}

/** Usage error: printed as `ERROR: <message>`, exit code 2 (argparse). */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/**
 * A value outside a flag's choices. az words it `az <command>: 'v' is not a valid value for
 * '--flag'. Allowed values: a, b.` (the command is prefixed where it is known) and adds
 * `Did you mean 'x' ?` for the closest choice (difflib, cutoff 0.7).
 */
export class InvalidChoiceError extends UsageError {
  readonly suggestion?: string;
  constructor(value: string, spec: FlagSpec, choices: readonly string[]) {
    super(`'${value}' is not a valid value for '${spec.names[0]}'. Allowed values: ${choices.join(", ")}.`);
    this.suggestion = closestMatch(value, choices);
  }
}

/** Characters two strings share in difflib's matching blocks (longest match first, recursively). */
function matchedChars(a: string, b: string, alo: number, ahi: number, blo: number, bhi: number): number {
  let [bi, bj, bk] = [alo, blo, 0];
  for (let i = alo; i < ahi; i++)
    for (let j = blo; j < bhi; j++) {
      let k = 0;
      while (i + k < ahi && j + k < bhi && a[i + k] === b[j + k]) k++;
      if (k > bk) [bi, bj, bk] = [i, j, k];
    }
  if (bk === 0) return 0;
  return bk + matchedChars(a, b, alo, bi, blo, bj) + matchedChars(a, b, bi + bk, ahi, bj + bk, bhi);
}

/** difflib.get_close_matches(word, choices, cutoff=0.7)[0]: the best SequenceMatcher ratio. */
export function closestMatch(word: string, choices: readonly string[]): string | undefined {
  let best: { score: number; choice: string } | undefined;
  for (const c of choices) {
    const score = (2 * matchedChars(c, word, 0, c.length, 0, word.length)) / (c.length + word.length);
    if (score < 0.7) continue;
    // Ties go to the larger string, as heapq.nlargest over (score, x) pairs does.
    if (!best || score > best.score || (score === best.score && c > best.choice)) best = { score, choice: c };
  }
  return best?.choice;
}

/**
 * Declares a flag from its option strings and an optional kind suffix, e.g.
 * `flag("--resource-group -g", "Name of resource group.", { required: true })` or
 * `flag("--node-count -c:int", "Number of nodes.")`. Kinds: str (default), int, bool, tri, list.
 */
export function flag(spec: string, help: string, opts: FlagOptions = {}): FlagSpec {
  let namesPart = spec.trim();
  let kind: FlagKind | undefined = opts.kind;
  const colon = namesPart.lastIndexOf(":");
  if (colon > 0) {
    const k = namesPart.slice(colon + 1).trim();
    namesPart = namesPart.slice(0, colon).trim();
    const map: Record<string, FlagKind> = {
      str: "string",
      string: "string",
      int: "int",
      bool: "bool",
      tri: "tri",
      list: "list",
    };
    const mapped = map[k];
    if (!mapped) throw new Error(`bad flag kind '${k}' in '${spec}'`);
    kind = mapped;
  }
  const names = namesPart.split(/\s+/).filter(Boolean);
  if (names.length === 0 || !names.every((n) => /^--?[A-Za-z0-9][A-Za-z0-9-]*$/.test(n))) {
    throw new Error(`bad flag names in '${spec}'`);
  }
  const long = names.find((n) => n.startsWith("--")) ?? names[0];
  return {
    names,
    dest: opts.dest ?? camel(long.replace(/^-+/, "")),
    help,
    kind: kind ?? "string",
    required: opts.required,
    choices: opts.choices,
    default: opts.default,
    minValues: opts.minValues,
    group: opts.group,
    hidden: opts.hidden,
  };
}

export function camel(s: string): string {
  return s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** argparse's display name: option strings joined by '/'. */
export function displayName(spec: FlagSpec): string {
  return spec.names.join("/");
}

/** Parsed flag values with typed accessors. Absent flags read as undefined (or their default). */
export class ParsedArgs {
  constructor(
    readonly values: Record<string, FlagValue | undefined>,
    /** Dests that were given explicitly on the command line. */
    readonly given: ReadonlySet<string>,
  ) {}

  has(dest: string): boolean {
    return this.given.has(dest);
  }

  str(dest: string): string | undefined {
    const v = this.values[dest];
    if (v === undefined) return undefined;
    if (Array.isArray(v)) return v.join(" ");
    return String(v);
  }

  list(dest: string): string[] | undefined {
    const v = this.values[dest];
    if (v === undefined) return undefined;
    return Array.isArray(v) ? v : [String(v)];
  }

  int(dest: string): number | undefined {
    const v = this.values[dest];
    if (v === undefined) return undefined;
    return typeof v === "number" ? v : Number.parseInt(String(v), 10);
  }

  bool(dest: string): boolean {
    return this.values[dest] === true;
  }

  /** Three-state flags: undefined when absent. */
  tri(dest: string): boolean | undefined {
    const v = this.values[dest];
    return typeof v === "boolean" ? v : undefined;
  }
}

const TRI_TRUE = ["true", "yes", "on", "enable", "enabled", "1"];
const TRI_FALSE = ["false", "no", "off", "disable", "disabled", "0"];

function looksLikeOption(token: string): boolean {
  // argparse: '-' alone and negative numbers are values, everything else starting with '-' is an option.
  return token.startsWith("-") && token !== "-" && !/^-\d+(\.\d+)?$/.test(token);
}

export interface ParseOutcome {
  args: ParsedArgs;
  help: boolean;
}

/**
 * Parses `tokens` (everything after the command path) against `specs`.
 * Throws UsageError with argparse's wording. `-h/--help` short-circuits all checks.
 */
export function parseArgs(tokens: readonly string[], specs: readonly FlagSpec[]): ParseOutcome {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) for (const n of s.names) byName.set(n, s);

  if (tokens.some((t) => t === "-h" || t === "--help")) {
    return { args: new ParsedArgs({}, new Set()), help: true };
  }

  const values: Record<string, FlagValue | undefined> = {};
  const given = new Set<string>();
  const unrecognized: string[] = [];

  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i];
    i++;
    if (!looksLikeOption(token)) {
      unrecognized.push(token);
      continue;
    }
    let name = token;
    let explicit: string | undefined;
    const eq = token.indexOf("=");
    if (eq > 0 && byName.has(token.slice(0, eq))) {
      name = token.slice(0, eq);
      explicit = token.slice(eq + 1);
    } else if (!byName.has(token) && /^-[A-Za-z]./.test(token) && byName.has(token.slice(0, 2))) {
      // argparse accepts a short option with its value attached: -gMyGroup
      name = token.slice(0, 2);
      explicit = token.slice(2);
    }
    const spec = byName.get(name);
    if (!spec) {
      unrecognized.push(token);
      // The values that follow an unknown option are unknown too (argparse reports them together).
      while (i < tokens.length && !looksLikeOption(tokens[i])) unrecognized.push(tokens[i++]);
      continue;
    }
    const argName = displayName(spec);
    given.add(spec.dest);
    switch (spec.kind) {
      case "bool": {
        if (explicit !== undefined)
          throw new UsageError(`argument ${argName}: ignored explicit argument '${explicit}'`);
        values[spec.dest] = true;
        break;
      }
      case "tri": {
        let raw = explicit;
        if (raw === undefined && i < tokens.length && isTriWord(tokens[i])) raw = tokens[i++];
        if (raw === undefined) {
          values[spec.dest] = true;
        } else if (TRI_TRUE.includes(raw.toLowerCase())) {
          values[spec.dest] = true;
        } else if (TRI_FALSE.includes(raw.toLowerCase())) {
          values[spec.dest] = false;
        } else {
          throw new InvalidChoiceError(raw, spec, ["true", "false"]);
        }
        break;
      }
      case "list": {
        const items: string[] = [];
        if (explicit !== undefined) items.push(explicit);
        else while (i < tokens.length && !looksLikeOption(tokens[i])) items.push(tokens[i++]);
        const min = spec.minValues ?? 1;
        if (items.length < min) throw new UsageError(`argument ${argName}: expected at least one argument`);
        values[spec.dest] = items.map((v) => checkChoice(spec, v));
        break;
      }
      default: {
        let raw = explicit;
        if (raw === undefined) {
          if (i >= tokens.length || looksLikeOption(tokens[i])) {
            throw new UsageError(`argument ${argName}: expected one argument`);
          }
          raw = tokens[i++];
        }
        const v = checkChoice(spec, raw);
        if (spec.kind === "int") {
          if (!/^[-+]?\d+$/.test(v.trim()))
            throw new UsageError(`argument ${argName}: invalid int value: '${v}'`);
          values[spec.dest] = Number.parseInt(v, 10);
        } else {
          values[spec.dest] = v;
        }
      }
    }
  }

  const missing = specs.filter((s) => s.required && !given.has(s.dest));
  if (missing.length > 0) {
    throw new UsageError(`the following arguments are required: ${missing.map(displayName).join(", ")}`);
  }
  if (unrecognized.length > 0) throw new UsageError(`unrecognized arguments: ${unrecognized.join(" ")}`);

  for (const s of specs) {
    if (!given.has(s.dest) && s.default !== undefined && values[s.dest] === undefined)
      values[s.dest] = s.default;
  }
  return { args: new ParsedArgs(values, given), help: false };
}

function isTriWord(token: string): boolean {
  const t = token.toLowerCase();
  return TRI_TRUE.includes(t) || TRI_FALSE.includes(t);
}

function checkChoice(spec: FlagSpec, value: string): string {
  if (!spec.choices) return value;
  const hit = spec.choices.find((c) => c.toLowerCase() === value.toLowerCase());
  if (hit === undefined) throw new InvalidChoiceError(value, spec, spec.choices);
  return hit;
}
