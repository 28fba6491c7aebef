// knack-style help text for groups and commands.

import type { FlagSpec } from "./parser.js";
import type { CommandDef } from "./types.js";

const WIDTH = 100;

function wrap(text: string, indent: number, width = WIDTH): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let cur = "";
  for (const w of words) {
    if (cur && indent + cur.length + 1 + w.length > width) {
      lines.push(cur);
      cur = w;
    } else {
      cur = cur ? `${cur} ${w}` : w;
    }
  }
  if (cur || lines.length === 0) lines.push(cur);
  return lines;
}

function table(rows: { left: string; text: string }[], indent = 4): string {
  const w = Math.max(0, ...rows.map((r) => r.left.length));
  const out: string[] = [];
  for (const r of rows) {
    const head = `${" ".repeat(indent)}${r.left.padEnd(w)} : `;
    const lines = wrap(r.text, head.length);
    out.push(head + lines[0]);
    for (const l of lines.slice(1)) out.push(" ".repeat(head.length) + l);
  }
  return out.join("\n");
}

export function groupHelp(
  path: string,
  summary: string,
  subgroups: { name: string; summary: string }[],
  commands: { name: string; summary: string; preview?: boolean }[],
): string {
  let s = `\nGroup\n    az${path ? ` ${path}` : ""}${summary ? ` : ${summary}` : ""}\n`;
  if (subgroups.length) {
    s += `\nSubgroups:\n${table(subgroups.map((g) => ({ left: g.name, text: g.summary })))}\n`;
  }
  if (commands.length) {
    s += `\nCommands:\n${table(
      commands.map((c) => ({ left: c.preview ? `${c.name} [Preview]` : c.name, text: c.summary })),
    )}\n`;
  }
  if (!path) s += '\nTo search AI knowledge base for examples, use: az find "az "\n';
  return `${s}\n`;
}

function flagText(f: FlagSpec): string {
  let t = f.help;
  if (f.choices) t += `  Allowed values: ${f.choices.join(", ")}.`;
  if (f.default !== undefined && f.kind !== "bool") {
    t += `  Default: ${Array.isArray(f.default) ? f.default.join(" ") : String(f.default)}.`;
  }
  return t;
}

export function commandHelp(path: string, def: CommandDef, globals: FlagSpec[]): string {
  let s = `\nCommand\n    az ${path} : ${def.summary}\n`;
  if (def.long)
    s += `${wrap(def.long, 8)
      .map((l) => `        ${l}`)
      .join("\n")}\n`;
  const groups = new Map<string, FlagSpec[]>();
  for (const f of def.flags) {
    if (f.hidden) continue;
    const g = f.group ?? "Arguments";
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)?.push(f);
  }
  const order = [...groups.keys()].sort((a, b) =>
    a === "Arguments" ? -1 : b === "Arguments" ? 1 : a.localeCompare(b),
  );
  const all = [...def.flags.filter((f) => !f.hidden), ...globals];
  const left = (f: FlagSpec) => `${f.names.join(" ")}${f.required ? " [Required]" : ""}`;
  const w = Math.max(...all.map((f) => left(f).length));
  const section = (title: string, flags: FlagSpec[]) => {
    const sorted = [...flags].sort((a, b) =>
      a.required === b.required ? a.names[0].localeCompare(b.names[0]) : a.required ? -1 : 1,
    );
    return `\n${title}\n${table(sorted.map((f) => ({ left: left(f).padEnd(w), text: flagText(f) })))}\n`;
  };
  for (const g of order) s += section(g, groups.get(g) ?? []);
  s += section("Global Arguments", globals);
  if (def.examples?.length) {
    s += "\nExamples\n";
    for (const e of def.examples) s += `    ${e.title}\n        ${e.command}\n\n`;
  }
  return `${s}\n`;
}
