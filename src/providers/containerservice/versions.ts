// Kubernetes versions: which a cluster or pool may ask for, what a minor resolves to, and which
// version changes AKS allows. Pure; the version table is model.ts KUBERNETES_VERSIONS.
import { KUBERNETES_VERSIONS } from "./model.js";

/**
 * Minors accepted beyond the supported table. AKS no longer serves them, but the emulator keeps
 * them so rules that depend on an old cluster ("requires Kubernetes ≥ 1.24") and old kubectl
 * clients can be exercised; any patch of them is taken as given.
 */
export const OLDEST_ACCEPTED_MINOR = 19;

interface Version {
  major: number;
  minor: number;
  patch?: number;
}

function parse(v: string): Version | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(v);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), ...(m[3] !== undefined ? { patch: Number(m[3]) } : {}) };
}

const latestOf = (minor: string): Version | undefined => {
  const v = KUBERNETES_VERSIONS[minor];
  return v ? parse(v) : undefined;
};

const oldestSupportedMinor = () =>
  Math.min(...Object.keys(KUBERNETES_VERSIONS).map((k) => parse(k)?.minor ?? 0));

/**
 * True when AKS (as emulated) accepts `v`: a supported minor with a patch no later than its
 * latest, or any patch of an older accepted minor.
 */
export function isAcceptedVersion(v: string): boolean {
  const p = parse(v);
  if (p?.major !== 1) return false;
  const latest = latestOf(`1.${p.minor}`);
  if (latest) return p.patch === undefined || p.patch <= (latest.patch ?? 0);
  return p.minor >= OLDEST_ACCEPTED_MINOR && p.minor < oldestSupportedMinor();
}

/** The full version `v` runs: as given with a patch, else the minor's latest patch (or `.0`). */
export function currentOf(v: string): string {
  const p = parse(v);
  if (!p || p.patch !== undefined) return v;
  return KUBERNETES_VERSIONS[`${p.major}.${p.minor}`] ?? `${p.major}.${p.minor}.0`;
}

/** Orders full versions numerically (negative when a < b). */
export function compareVersions(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return a.localeCompare(b);
  return x.major - y.major || x.minor - y.minor || (x.patch ?? 0) - (y.patch ?? 0);
}

/** The minor of a version, or NaN when it is not one. */
export function minorOf(v: string): number {
  return parse(v)?.minor ?? Number.NaN;
}

/** Full versions (patches) the emulator serves, oldest first. */
export function supportedVersions(): string[] {
  return Object.values(KUBERNETES_VERSIONS).sort(compareVersions);
}

/** What `version` may be upgraded to: later patches of its minor, the next minor's patches. */
export function upgradesOf(version: string): { kubernetesVersion: string }[] {
  const from = parse(version);
  if (!from) return [];
  return supportedVersions()
    .filter((v) => {
      const to = parse(v)!;
      if (to.major !== from.major) return false;
      if (to.minor === from.minor) return compareVersions(v, version) > 0;
      return to.minor === from.minor + 1;
    })
    .map((kubernetesVersion) => ({ kubernetesVersion }));
}

/**
 * How a cluster's running version may change: not down, and up at most one minor (AKS upgrades
 * one minor at a time). Undefined when allowed, else whether it is a downgrade or a skip.
 */
export function versionChangeRefusal(from: string, to: string): "downgrade" | "skip" | undefined {
  const c = compareVersions(to, from);
  if (c === 0) return undefined;
  if (c < 0) return "downgrade";
  return minorOf(to) - minorOf(from) > 1 ? "skip" : undefined;
}
