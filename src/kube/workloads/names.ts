// Names controllers generate, as upstream generates them: the "safe" alphabet of
// k8s.io/apimachinery/pkg/util/rand (no vowels, no 0/1/3, so no words and no look-alikes),
// the apiserver's generateName rule (base cut to 58 characters + 5 random characters), and the
// pod-template-hash (FNV-32a of the template plus the collision count, decimal, safe-encoded).
// Randomness comes from a seeded generator so tests and replays are deterministic.

/** util/rand's alphabet. */
export const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** apiserver SimpleNameGenerator: maxNameLength 63, randomLength 5 → base at most 58 characters. */
const MAX_GENERATED_BASE = 58;
const RANDOM_LENGTH = 5;

/** util/rand.SafeEncodeString: each character maps to SAFE_ALPHABET[code % 27]. */
export function safeEncode(s: string): string {
  let out = "";
  for (const ch of s) out += SAFE_ALPHABET[(ch.codePointAt(0) as number) % SAFE_ALPHABET.length];
  return out;
}

/** FNV-1a, 32 bit, over bytes. */
export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  // Indexed, not for…of: the iterator is several times slower over a megabyte of template.
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

/**
 * JSON with object keys sorted, so equal objects hash equally whatever their key order.
 * JSON.stringify's replacer swaps in a sorted copy only where keys are out of order: an order of
 * magnitude faster than building the text by hand (a 1.5 MB template: ~10 ms, not ~100 ms).
 */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, sortedKeys) ?? "null";
}

function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  let i = 1;
  while (i < keys.length && keys[i - 1] <= keys[i]) i++;
  if (i >= keys.length) return o;
  const sorted: Record<string, unknown> = {};
  for (const k of keys.sort()) sorted[k] = o[k];
  return sorted;
}

/**
 * `pod-template-hash` (controller.ComputeHash): FNV-32a over the template, then the
 * collision count as 8 little-endian bytes when set, printed in decimal and safe-encoded.
 * Upstream feeds the hasher a spew dump of the Go struct; we feed canonical JSON, so values
 * differ from a real cluster's but have the same alphabet, length (≤ 10) and behaviour: the
 * same template always gives the same hash, any change gives another, and a collision count
 * bump moves it.
 */
export function podTemplateHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(template)));
  if (collisionCount !== undefined) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncode(String(h));
}

/** A seeded random source (mulberry32): the same seed always gives the same sequence. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}

export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** util/rand.String(n) over the safe alphabet. */
export function randomSafeString(rng: Rng, n = RANDOM_LENGTH): string {
  let s = "";
  for (let i = 0; i < n; i++) s += SAFE_ALPHABET[Math.floor(rng.next() * SAFE_ALPHABET.length)];
  return s;
}

/** What the apiserver makes of `metadata.generateName`: base (cut to 58) + 5 safe characters. */
export function generateName(base: string, rng: Rng): string {
  return base.slice(0, MAX_GENERATED_BASE) + randomSafeString(rng);
}

/**
 * A generated name not in `taken` (the apiserver retries on AlreadyExists; we check first).
 * Gives up after 100 draws, which at 27^5 ≈ 14 million names only a full namespace reaches.
 */
export function uniqueGeneratedName(base: string, rng: Rng, taken: ReadonlySet<string>): string {
  for (let i = 0; i < 100; i++) {
    const n = generateName(base, rng);
    if (!taken.has(n)) return n;
  }
  throw new Error(`could not generate a free name for prefix '${base}'`);
}

/** SimpleNameGenerator's 5 characters, from Math.random (generateName, kube-api-access-…). */
export function randomNameSuffix(): string {
  let s = "";
  for (let i = 0; i < RANDOM_LENGTH; i++)
    s += SAFE_ALPHABET[Math.floor(Math.random() * SAFE_ALPHABET.length)];
  return s;
}
