// Small assertion helpers shared by the scenarios (node:assert, so they run outside vitest).
import assert from "node:assert/strict";
import type { StepResult } from "./runner.js";

export { assert };

/** Non-empty lines of `-o tsv` output. */
export function lines(r: StepResult): string[] {
  return r.stdout.split("\n").filter((l) => l.length > 0);
}

/** Tab-separated fields of each `-o tsv` line. */
export function rows(r: StepResult): string[][] {
  return lines(r).map((l) => l.split("\t"));
}

export function ipv4(ip: string): number {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  assert.ok(m, `'${ip}' is not an IPv4 address`);
  const parts = m.slice(1).map(Number);
  assert.ok(
    parts.every((p) => p <= 255),
    `'${ip}' is not an IPv4 address`,
  );
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base, len] = cidr.split("/");
  const bits = Number(len);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (ipv4(ip) & mask) >>> 0 === (ipv4(base) & mask) >>> 0;
}

/** Offset of `ip` inside `cidr` (0 = network address). */
export function offsetIn(ip: string, cidr: string): number {
  assert.ok(inCidr(ip, cidr), `${ip} is not inside ${cidr}`);
  return ipv4(ip) - ipv4(cidr.split("/")[0]);
}

export function assertUnique(values: readonly string[], what: string): void {
  const dups = values.filter((v, i) => values.indexOf(v) !== i);
  assert.deepEqual(dups, [], `${what} are not unique: ${values.join(", ")}`);
}

/** ARM IDs compare case-insensitively. */
export function sameId(a: string | undefined, b: string | undefined): boolean {
  return typeof a === "string" && typeof b === "string" && a.toLowerCase() === b.toLowerCase();
}

export function assertSameIds(actual: readonly string[], expected: readonly string[], what: string): void {
  const norm = (xs: readonly string[]) => xs.map((x) => x.toLowerCase()).sort();
  assert.deepEqual(norm(actual), norm(expected), what);
}

/** The stderr of a failed az command carries `(Code) Message`; returns the code. */
export function errorCode(r: StepResult): string {
  const m = /\(([A-Za-z0-9.]+)\)/.exec(r.stderr);
  assert.ok(m, `stderr has no '(Code) Message' error: ${r.stderr}`);
  return m[1];
}

export interface SecurityRule {
  name: string;
  access: string;
  direction: string;
  protocol: string;
  priority: number;
  destinationPortRange?: string;
  destinationPortRanges?: string[];
  destinationApplicationSecurityGroups?: { id: string }[];
}

/** `Tcp 80`, `Udp 40000-50000`, … for the Allow/Inbound rules whose destination is `asgId`. */
export function allowedPortsToAsg(rules: readonly SecurityRule[], asgId: string): string[] {
  return rules
    .filter(
      (r) =>
        r.access === "Allow" &&
        r.direction === "Inbound" &&
        (r.destinationApplicationSecurityGroups ?? []).some((a) => sameId(a.id, asgId)),
    )
    .flatMap((r) =>
      (r.destinationPortRanges?.length ? r.destinationPortRanges : [r.destinationPortRange ?? ""]).map(
        (p) => `${r.protocol} ${p}`,
      ),
    )
    .sort();
}
