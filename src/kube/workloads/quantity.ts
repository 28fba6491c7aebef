// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): "100m", "1.5",
// "128Mi", "1G", "2e3". The scheduler compares cpu in millicores and everything else in
// units, rounding up as Quantity.MilliValue()/Value() do.

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const QUANTITY =
  /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))((?:[eE][+-]?[0-9]+)|Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?)$/;

export class QuantityError extends Error {
  override readonly name = "QuantityError";
}

/** The quantity as a plain number of units; throws QuantityError naming the text when malformed. */
export function parseQuantity(q: string | number): number {
  if (typeof q === "number") return q;
  const m = QUANTITY.exec(q.trim());
  if (!m)
    throw new QuantityError(
      `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (got '${q}')`,
    );
  const n = Number(m[1]);
  const suffix = m[2];
  if (suffix in BINARY) return n * BINARY[suffix];
  if (suffix in DECIMAL) return n * DECIMAL[suffix];
  return n * 10 ** Number(suffix.slice(1));
}

/** Millicores (rounded up, like MilliValue). */
export function milliValue(q: string | number): number {
  return Math.ceil(parseQuantity(q) * 1000 - 1e-9);
}

/** Whole units (rounded up, like Value). */
export function unitValue(q: string | number): number {
  return Math.ceil(parseQuantity(q) - 1e-9);
}

/** Memory as the kubelet prints it: whole kibibytes ("7116264Ki"). */
export function formatKi(bytes: number): string {
  return `${Math.floor(bytes / 1024)}Ki`;
}

/** CPU as the kubelet prints it: whole cores ("2") or millicores ("1900m"). */
export function formatCpu(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}
