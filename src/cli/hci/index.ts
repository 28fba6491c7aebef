// `aksnet hci`: the AksHci PowerShell command lines against the running emulator.
//   aksnet hci <command line>      one line (the shell's words joined back)
//   aksnet hci -f script.ps1       a script ("-f -" or piped stdin: read stdin)
//   aksnet hci                     an interactive prompt on a terminal (`PS aksnet> `)
// It finds the emulator as `aksnet az` does (aksnet.json in the data dir, or AKSNET_ENDPOINT
// + AKSNET_CA_FILE) and signs in the same way. A script stops at its first error, which is
// printed as PowerShell prints it, and the exit status is 1.
import fs from "node:fs";
import { ArmClient, parseErrorBody, resolveTarget } from "../az/arm.js";
import { CliError, type Io, processIo } from "../az/io.js";
import {
  type Bound,
  type Cmdlet,
  type CmdletContext,
  findCmdlet,
  LocalError,
  lbSpecOf,
  type ParamSpec,
  specOf,
} from "./cmdlets.js";
import {
  flatten,
  formatDefault,
  formatError,
  formatTable,
  isObject,
  type PsErrorRecord,
  type PsObject,
  type PsValue,
} from "./output.js";
import { type Arg, type Command, type Expr, ParseError, type Pos, parse, type Statement } from "./parser.js";

export class PsError extends Error {
  constructor(readonly record: PsErrorRecord) {
    super(record.message);
  }
}

const TYPE_NAMES: Record<ParamSpec["type"], string> = {
  string: "System.String",
  int: "System.Int32",
  bool: "System.Boolean",
  switch: "System.Management.Automation.SwitchParameter",
  "string[]": "System.String[]",
  vnet: "VirtualNetwork",
  lbsetting: "LoadBalancerSetting",
};

function bindingError(
  cmd: string,
  pos: Pos,
  errorId: string,
  message: string,
  category = "InvalidArgument",
  reason = "ParameterBindingException",
) {
  return new PsError({ command: cmd, message, category, reason, errorId, pos });
}

/** One PowerShell session: variables survive from statement to statement (and prompt to prompt). */
export class Session {
  readonly vars = new Map<string, PsValue>([
    ["true", true],
    ["false", false],
    ["null", null],
  ]);
  private client: ArmClient | undefined;

  constructor(readonly io: Io) {}

  private arm(): ArmClient {
    this.client ??= new ArmClient(resolveTarget(this.io), this.io);
    return this.client;
  }

  private context(cmdlet: string, pos: Pos): CmdletContext {
    const fail = (status: number, body: unknown, text: string): never => {
      const e = parseErrorBody(body);
      const category =
        (body as { error?: { category?: string } } | undefined)?.error?.category ?? "NotSpecified";
      throw new PsError({
        command: cmdlet,
        message: e?.message ?? `The emulator answered ${status}: ${text.slice(0, 200)}`,
        category: category === "NotInstalled" ? "InvalidOperation" : category,
        reason: "Exception",
        errorId: e?.code ?? "HciRequestFailed",
        pos,
      });
    };
    const send = async (method: string, path: string, body?: unknown) => {
      const res = await this.arm().request(method, `/_aksnet/hci${path}`, {
        ...(body !== undefined ? { body } : {}),
        raw: true,
      });
      if (res.status >= 400) fail(res.status, res.body, res.text);
      return res;
    };
    return {
      call: async (method, path, body) => (await send(method, path, body)).body,
      text: async (path) => (await send("GET", path)).text,
      home: this.io.home,
      cwd: this.io.cwd,
      warn: (m) => this.io.stderr(`WARNING: ${m}\n`),
    };
  }

  /** Runs a script; returns the values to print. Throws PsError/ParseError at the first error. */
  async run(source: string, emit: (text: string) => void): Promise<void> {
    for (const st of parse(source)) {
      const values = await this.statement(st);
      if (!st.assign) emit(values.text ?? formatDefault(values.values));
    }
  }

  private async statement(st: Statement): Promise<{ values: PsValue[]; text?: string }> {
    let values: PsValue[] = [];
    let text: string | undefined;
    for (let i = 0; i < st.pipeline.length; i++) {
      const c = st.pipeline[i];
      const lower = c.name.toLowerCase();
      if (i > 0 && ["format-table", "ft", "format-list", "fl", "out-null", "out-string"].includes(lower)) {
        const objs = flatten(values).filter(isObject);
        const cols: string[] = [];
        for (const a of c.args) {
          if (a.kind === "param") {
            if (!/^(autosize|wrap)$/i.test(a.name) && !/^property$/i.test(a.name))
              throw bindingError(
                c.name,
                a.pos,
                "NamedParameterNotFound",
                `A parameter cannot be found that matches parameter name '${a.name}'.`,
              );
            continue;
          }
          const v = await this.value(a.expr);
          for (const x of flatten([v])) cols.push(String(x));
        }
        if (lower === "out-null") text = "";
        else if (lower.startsWith("format-t") || lower === "ft") text = formatTable(objs, cols);
        else text = formatDefault(cols.length ? objs.map((o) => pick(o, cols)) : objs);
        values = [];
        continue;
      }
      if (i > 0)
        throw new PsError({
          command: c.name,
          message: `${c.name} does not take pipeline input in aksnet hci; pass the object as a parameter (e.g. -vnet $vnet).`,
          category: "InvalidArgument",
          reason: "ParameterBindingException",
          errorId: "InputObjectNotBound",
          pos: c.pos,
        });
      values = await this.command(c);
    }
    if (st.assign) this.vars.set(st.assign.toLowerCase(), values.length === 1 ? values[0] : values);
    return { values, text };
  }

  private async command(c: Command): Promise<PsValue[]> {
    if (c.expr) {
      const v = await this.value(c.expr);
      return Array.isArray(v) ? v : [v];
    }
    const cmdlet = findCmdlet(c.name);
    if (!cmdlet)
      throw new PsError({
        command: c.name,
        message: `The term '${c.name}' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.`,
        category: "ObjectNotFound",
        reason: "CommandNotFoundException",
        errorId: "CommandNotFoundException",
        target: c.name,
        pos: c.pos,
      });
    const bound = await this.bind(cmdlet, c);
    try {
      return await cmdlet.run(bound, this.context(cmdlet.name, { ...c.pos, length: c.name.length }));
    } catch (e) {
      if (e instanceof LocalError)
        throw new PsError({
          command: cmdlet.name,
          message: e.message,
          category: "InvalidArgument",
          reason: "Exception",
          errorId: "InvalidParameterValue",
          pos: c.pos,
        });
      if (e instanceof PsError) throw e;
      if (e instanceof CliError) throw e;
      const err = e as Error;
      // Semantics validated locally (New-AksHciNetworkSetting) throw the HCI catalogue's errors.
      const hci = e as { code?: string; category?: string; target?: string };
      if (hci.code && hci.category)
        throw new PsError({
          command: cmdlet.name,
          message: err.message,
          category: hci.category,
          reason: "Exception",
          errorId: hci.code,
          pos: c.pos,
        });
      throw e;
    }
  }

  /** PowerShell's parameter binding: names, unambiguous prefixes, types, ValidateSet, mandatory. */
  private async bind(cmdlet: Cmdlet, c: Command): Promise<Bound> {
    const bound: Bound = {};
    const args: Arg[] = c.args;
    const resolve = (name: string, pos: Pos): ParamSpec => {
      const l = name.toLowerCase();
      const all = cmdlet.params.flatMap((p) => [p.name, ...(p.aliases ?? [])].map((n) => ({ n, p })));
      const exact = all.find((x) => x.n.toLowerCase() === l);
      if (exact) return exact.p;
      const hits = [...new Set(all.filter((x) => x.n.toLowerCase().startsWith(l)).map((x) => x.p))];
      if (hits.length === 1) return hits[0];
      if (hits.length > 1)
        throw bindingError(
          cmdlet.name,
          pos,
          "AmbiguousParameter",
          `Parameter cannot be processed because the parameter name '${name}' is ambiguous. Possible matches include: ${hits.map((h) => `-${h.name}`).join(" ")}.`,
        );
      throw bindingError(
        cmdlet.name,
        pos,
        "NamedParameterNotFound",
        `A parameter cannot be found that matches parameter name '${name}'.`,
      );
    };
    let positional = 0;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a.kind === "value") {
        const spec =
          positional === 0
            ? cmdlet.params.find((p) => p.position0 && bound[p.name] === undefined)
            : undefined;
        positional++;
        if (!spec)
          throw bindingError(
            cmdlet.name,
            a.pos,
            "PositionalParameterNotFound",
            `A positional parameter cannot be found that accepts argument '${exprText(a.expr)}'.`,
          );
        bound[spec.name] = this.convert(cmdlet.name, spec, await this.value(a.expr), a.pos);
        continue;
      }
      const spec = resolve(a.name, a.pos);
      if (bound[spec.name] !== undefined)
        throw bindingError(
          cmdlet.name,
          a.pos,
          "ParameterAlreadyBound",
          `Cannot bind parameter because parameter '${spec.name}' is specified more than once. To provide multiple values to parameters that can accept multiple values, use the array syntax. For example, "-parameter value1,value2,value3".`,
        );
      if (spec.type === "switch") {
        bound[spec.name] = a.value
          ? this.convert(cmdlet.name, { ...spec, type: "bool" }, await this.value(a.value), a.pos)
          : true;
        continue;
      }
      let expr = a.value;
      if (!expr) {
        const nx = args[i + 1];
        if (nx?.kind !== "value")
          throw bindingError(
            cmdlet.name,
            a.pos,
            "MissingArgument",
            `Missing an argument for parameter '${spec.name}'. Specify a parameter of type '${TYPE_NAMES[spec.type]}' and try again.`,
          );
        expr = nx.expr;
        i++;
      }
      bound[spec.name] = this.convert(cmdlet.name, spec, await this.value(expr), a.pos);
    }
    const missing = cmdlet.params
      .filter((p) => p.mandatory && bound[p.name] === undefined)
      .map((p) => p.name);
    if (missing.length)
      throw bindingError(
        cmdlet.name,
        { ...c.pos, length: c.name.length },
        "MissingMandatoryParameter",
        `Cannot process command because of one or more missing mandatory parameters: ${missing.join(" ")}.`,
      );
    return bound;
  }

  private convert(cmd: string, spec: ParamSpec, v: PsValue, pos: Pos): PsValue {
    const transform = (detail: string) =>
      bindingError(
        cmd,
        pos,
        "ParameterArgumentTransformationError",
        `Cannot process argument transformation on parameter '${spec.name}'. ${detail}`,
        "InvalidData",
        "ParameterBindingArgumentTransformationException",
      );
    const typeName = (x: PsValue) =>
      x === null
        ? "null"
        : Array.isArray(x)
          ? "System.Object[]"
          : isObject(x)
            ? x.typeName
            : typeof x === "number"
              ? "System.Int32"
              : typeof x === "boolean"
                ? "System.Boolean"
                : "System.String";
    switch (spec.type) {
      case "string": {
        if (isObject(v))
          throw transform(
            `Cannot convert the "${typeName(v)}" value of type "${typeName(v)}" to type "System.String".`,
          );
        const str = Array.isArray(v)
          ? v.map(String).join(" ")
          : typeof v === "boolean"
            ? v
              ? "True"
              : "False"
            : v === null
              ? ""
              : String(v);
        if (spec.set) {
          const hit = spec.set.find((x) => x.toLowerCase() === str.toLowerCase());
          if (!hit)
            throw bindingError(
              cmd,
              pos,
              "ParameterArgumentValidationError",
              `Cannot validate argument on parameter '${spec.name}'. The argument "${str}" does not belong to the set "${spec.set.join(",")}" specified by the ValidateSet attribute. Supply an argument that is in the set and then try the command again.`,
              "InvalidData",
              "ParameterBindingValidationException",
            );
          return hit;
        }
        return str;
      }
      case "int": {
        const str = Array.isArray(v) || isObject(v) ? undefined : String(v);
        if (str === undefined || !/^\s*[-+]?\d+\s*$/.test(str) || Math.abs(Number(str)) > 2147483647)
          throw transform(
            `Cannot convert value "${str ?? typeName(v)}" to type "System.Int32". Error: "Input string was not in a correct format."`,
          );
        return Number(str);
      }
      case "bool":
      case "switch": {
        if (typeof v === "boolean") return v;
        if (typeof v === "number" || (typeof v === "string" && /^\d+$/.test(v))) return Number(v) !== 0;
        throw transform(
          `Cannot convert value "${typeName(v)}" to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.`,
        );
      }
      case "string[]": {
        const list = Array.isArray(v) ? v : [v];
        if (list.some((x) => isObject(x))) throw transform(`Cannot convert value to type "System.String[]".`);
        return list.map((x) => String(x));
      }
      case "vnet":
      case "lbsetting": {
        const want = spec.type === "vnet" ? "VirtualNetwork" : "LoadBalancerSetting";
        const one = Array.isArray(v) && v.length === 1 ? v[0] : v;
        if (!isObject(one) || one.typeName !== want)
          throw transform(
            `Cannot convert the "${isObject(one) ? one.typeName : String(one)}" value of type "${typeName(one)}" to type "${want}".`,
          );
        return (spec.type === "vnet" ? specOf(one) : lbSpecOf(one)) as unknown as PsValue;
      }
    }
  }

  private async value(e: Expr): Promise<PsValue> {
    switch (e.kind) {
      case "word":
        return /^[-+]?\d+$/.test(e.value) ? Number(e.value) : e.value;
      case "string":
        return e.parts
          .map((p) => ("text" in p ? p.text : cellText(this.variable(p.variable, e.pos))))
          .join("");
      case "var": {
        let v = this.variable(e.name, e.pos);
        for (const prop of e.props) {
          if (!isObject(v)) return null;
          const key = Object.keys(v.props).find((k) => k.toLowerCase() === prop.toLowerCase());
          v = key ? v.props[key] : null;
        }
        return v;
      }
      case "array": {
        const out: PsValue[] = [];
        for (const x of e.items) out.push(await this.value(x));
        return out;
      }
      case "sub": {
        const out: PsValue[] = [];
        for (const st of e.statements) {
          const r = await this.statement(st);
          if (!st.assign) out.push(...r.values);
        }
        return e.at || out.length !== 1 ? out : out[0];
      }
    }
  }

  private variable(name: string, _pos: Pos): PsValue {
    const l = name.toLowerCase();
    if (l.startsWith("env:")) return this.io.env[name.slice(4)] ?? null;
    // An unset variable is $null, as in PowerShell (no strict mode).
    return this.vars.get(l) ?? null;
  }
}

function pick(o: PsObject, cols: string[]): PsObject {
  const props: Record<string, PsValue> = {};
  for (const c of cols) {
    const k = Object.keys(o.props).find((x) => x.toLowerCase() === c.toLowerCase());
    if (k) props[k] = o.props[k];
  }
  return { typeName: o.typeName, props };
}

function cellText(v: PsValue): string {
  if (Array.isArray(v)) return v.map(cellText).join(" ");
  if (isObject(v)) return v.typeName;
  if (typeof v === "boolean") return v ? "True" : "False";
  return v === null ? "" : String(v);
}

function exprText(e: Expr): string {
  if (e.kind === "word") return e.value;
  if (e.kind === "string") return e.parts.map((p) => ("text" in p ? p.text : `$${p.variable}`)).join("");
  if (e.kind === "var") return `$${e.name}`;
  return "";
}

/** Re-joins shell words into one command line, quoting words the shell had unquoted. */
export function joinArgs(argv: readonly string[]): string {
  if (argv.length === 1) return argv[0];
  return argv
    .map((a) =>
      a === "" || /[\s'"`$;|(),{}#@]/.test(a)
        ? /^[-]/.test(a) && !/\s/.test(a)
          ? a
          : `'${a.replaceAll("'", "''")}'`
        : a,
    )
    .join(" ");
}

export async function main(argv: string[], ioIn?: Io): Promise<number> {
  const io = ioIn ?? (await processIo());
  const session = new Session(io);
  const out = (t: string) => io.stdout(t);
  const runSource = async (source: string, origin: string): Promise<number> => {
    try {
      await session.run(source, out);
      return 0;
    } catch (e) {
      return report(e, source, origin, io);
    }
  };
  if (argv[0] === "-h" || argv[0] === "--help") {
    io.stdout(USAGE);
    return 0;
  }
  if (argv[0] === "-f" || argv[0] === "-File" || argv[0] === "--file") {
    const file = argv[1];
    if (!file) {
      io.stderr("aksnet hci: -f needs a script file (or - for stdin)\n");
      return 2;
    }
    let source: string;
    try {
      source = file === "-" ? fs.readFileSync(0, "utf8") : fs.readFileSync(file, "utf8");
    } catch (e) {
      io.stderr(`aksnet hci: cannot read ${file}: ${(e as Error).message}\n`);
      return 2;
    }
    return runSource(source.replace(/^\uFEFF/, ""), file === "-" ? "line" : file);
  }
  if (argv.length) return runSource(joinArgs(argv), "line");
  if (!process.stdin.isTTY) return runSource(fs.readFileSync(0, "utf8"), "line");
  return interactive(session, io);
}

function report(e: unknown, source: string, origin: string, io: Io): number {
  if (e instanceof PsError) {
    io.stderr(formatError(e.record, source, origin));
    return 1;
  }
  if (e instanceof ParseError) {
    io.stderr(
      formatError(
        {
          message: e.message,
          category: "ParserError",
          reason: "ParentContainsErrorRecordException",
          errorId: e.errorId,
          pos: e.pos,
        },
        source,
        origin,
      ),
    );
    return 1;
  }
  if (e instanceof CliError) {
    io.stderr(`aksnet hci: ${e.message}\n`);
    return e.exitCode === 1 ? 1 : e.exitCode;
  }
  io.stderr(`aksnet hci: ${(e as Error)?.message ?? String(e)}\n`);
  return 1;
}

async function interactive(session: Session, io: Io): Promise<number> {
  const readline = await import("node:readline");
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: "PS aksnet> ",
  });
  let pending = "";
  rl.prompt();
  for await (const line of rl) {
    pending += `${line}\n`;
    // Backtick continuation or an unfinished bracket: keep reading, as PowerShell's `>>` prompt.
    if (/`\s*$/.test(line) || depth(pending) > 0) {
      rl.setPrompt(">> ");
      rl.prompt();
      continue;
    }
    const source = pending;
    pending = "";
    if (/^\s*(exit|quit)\s*$/i.test(source)) break;
    try {
      await session.run(source, (t) => io.stdout(t));
    } catch (e) {
      report(e, source, "line", io);
    }
    rl.setPrompt("PS aksnet> ");
    rl.prompt();
  }
  rl.close();
  return 0;
}

function depth(s: string): number {
  let d = 0;
  let q: string | undefined;
  for (const ch of s) {
    if (q) {
      if (ch === q) q = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') q = ch;
    else if (ch === "(") d++;
    else if (ch === ")") d--;
  }
  return q ? 1 : d;
}

const USAGE = `Usage: aksnet hci <AksHci command line>
       aksnet hci -f <script.ps1 | ->
       aksnet hci                        (interactive prompt on a terminal; script from stdin otherwise)

PowerShell subset: named parameters (case-insensitive, unambiguous prefixes), 'single' and "double"
quoted strings, comma arrays and @(...), $true/$false/$null, $var = ..., (sub-commands),
| Format-Table / Format-List, backtick line continuation, # and <# #> comments.

Cmdlets: New-AksHciNetworkSetting, New-/Get-/Remove-AksHciClusterNetwork, Set-AksHciConfig
(-emulateKnownIssues: reproduce the duplicate-VIP defect), Install-AksHci,
New-AksHciLoadBalancerSetting, New-/Get-/Set-/Remove-AksHciCluster, New-/Get-/Set-/Remove-AksHciNodePool,
Set-AksHciLoadBalancer, Get-AksHciCredential, Get-AksHciLoadBalancerConfig (aksnet: haproxy.cfg).
`;
