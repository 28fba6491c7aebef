// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): "100m", "1.5",
// "128Mi", "1G", "2e3". The scheduler compares cpu in millicores and everything else in
// units, rounding up as Quantity.MilliValue()/Value() do.

/** ParseQuantity's suffixes and their exponents (base 10, and base 2 for the binary ones). */
const DEC_EXP: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BIN_EXP: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
/** Why ParseQuantity refuses a text (its errors, as kube-apiserver's decoder returns them). */
const ERR_FORMAT =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const ERR_SUFFIX = "unable to parse quantity's suffix";

const QUANTITY =
  /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))((?:[eE][+-]?[0-9]+)|Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?)$/;

export class QuantityError extends Error {
  override readonly name = "QuantityError";
}

/** The quantity as a plain number of units; throws QuantityError naming the text when malformed. */
export function parseQuantity(q: string | number): number {
  if (typeof q === "number") return q;
  const m = QUANTITY.exec(q.trim());
  if (!m) throw new QuantityError(`${ERR_FORMAT} (got '${q}')`);
  const n = Number(m[1]);
  const suffix = m[2];
  if (suffix in BIN_EXP) return n * 2 ** BIN_EXP[suffix];
  if (suffix in DEC_EXP) return n * Number(`1e${DEC_EXP[suffix]}`);
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

const DEC_SUFFIX = new Map(Object.entries(DEC_EXP).map(([s, e]) => [e, s]));
const BIN_SUFFIX = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
const MAX_INT64 = 2n ** 63n - 1n;

/** parseQuantityString: sign, the digits (leading zeros dropped), the fraction and the suffix. */
function split(str: string): { negative: boolean; num: string; denom: string; suffix: string } {
  let pos = 0;
  const end = str.length;
  let negative = false;
  if (str[0] === "-" || str[0] === "+") {
    negative = str[0] === "-";
    pos++;
  }
  while (pos < end && str[pos] === "0") pos++;
  if (pos >= end) return { negative, num: "0", denom: "", suffix: "" };
  const digits = (from: number) => {
    let i = from;
    while (i < end && str[i] >= "0" && str[i] <= "9") i++;
    return i;
  };
  let i = digits(pos);
  const num = str.slice(pos, i) || "0";
  let denom = "";
  if (i < end && str[i] === ".") {
    const j = digits(i + 1);
    denom = str.slice(i + 1, j);
    i = j;
  }
  const suffixStart = i;
  while (i < end && "eEinumkKMGTP".includes(str[i])) i++;
  if (i < end && (str[i] === "-" || str[i] === "+")) i++;
  i = digits(i);
  if (i < end) throw new QuantityError(ERR_FORMAT);
  return { negative, num, denom, suffix: str.slice(suffixStart) };
}

/** removeFactors: the value without trailing factors of `f`, and how many there were. */
function strip(v: bigint, f: bigint): [bigint, number] {
  let n = 0;
  while (v !== 0n && v % f === 0n) {
    v /= f;
    n++;
  }
  return [v, n];
}

/**
 * A resource.Quantity as kube-apiserver stores and serves it (ParseQuantity, then
 * CanonicalizeBytes): "0.5" → "500m", "1000" → "1k", "1.5Gi" → "1536Mi", 2 → "2", values
 * below 1n rounded up to it. Throws QuantityError with ParseQuantity's message when malformed.
 * A JSON number is read from its shortest text, as the decoder reads the number's bytes.
 */
export function canonicalQuantity(q: string | number): string {
  const str = typeof q === "number" ? String(q) : q;
  if (str.length === 0) throw new QuantityError(ERR_FORMAT);
  if (str === "0") return "0";
  const { negative, num, denom, suffix } = split(str);
  let base: 2 | 10;
  let exponent: number;
  let format: "DecimalSI" | "BinarySI" | "DecimalExponent";
  if (suffix in DEC_EXP) [base, exponent, format] = [10, DEC_EXP[suffix], "DecimalSI"];
  else if (suffix in BIN_EXP) [base, exponent, format] = [2, BIN_EXP[suffix], "BinarySI"];
  else if (
    suffix.length > 1 &&
    (suffix[0] === "e" || suffix[0] === "E") &&
    /^[+-]?[0-9]+$/.test(suffix.slice(1))
  )
    [base, exponent, format] = [10, Number(suffix.slice(1)), "DecimalExponent"];
  else throw new QuantityError(ERR_SUFFIX);
  // ParseQuantity keeps the text as given when it fits an int64 and already looks canonical
  // (so "+1", "1.500" and "01Ki" are served as written).
  const shifted = num + denom;
  if (base === 10 && 18 - shifted.length >= 0 && exponent - denom.length >= -9) {
    if ((exponent - denom.length) % 3 === 0 && !shifted.endsWith("000") && shifted[0] !== "0") return str;
  } else if (base === 2 && denom === "" && 15 - num.length - Math.trunc((exponent * 3) / 10) - 1 >= 0) {
    const v = BigInt(num);
    if (v << BigInt(exponent) <= MAX_INT64 && (v & 7n) !== 0n) return str;
  }
  // The value as mantissa × 10^scale, exactly.
  let mantissa = BigInt(num + denom);
  let scale = -denom.length;
  if (base === 10) scale += exponent;
  else mantissa <<= BigInt(exponent);
  // Rounded up (away from zero) to 1n, the smallest amount a Quantity holds.
  if (scale < -9 && mantissa !== 0n) {
    const d = 10n ** BigInt(-9 - scale);
    mantissa = (mantissa + d - 1n) / d;
    scale = -9;
  }
  if (format === "BinarySI") {
    const units = scale >= 0 ? mantissa * 10n ** BigInt(scale) : undefined;
    if (units !== undefined && units > MAX_INT64) {
      mantissa = MAX_INT64;
      scale = 0;
    }
  }
  if (mantissa === 0n) return "0";
  const sign = negative ? "-" : "";
  if (format === "BinarySI") {
    // Between -1024 and 1024, or not a whole number of units: shown in decimal.
    const whole =
      scale >= 0
        ? mantissa * 10n ** BigInt(scale)
        : mantissa % 10n ** BigInt(-scale) === 0n
          ? mantissa / 10n ** BigInt(-scale)
          : undefined;
    if (whole !== undefined && whole >= 1024n) {
      const [amount, k] = strip(whole, 1024n);
      if (k < BIN_SUFFIX.length) return `${sign}${amount}${BIN_SUFFIX[k]}`;
    }
    format = "DecimalSI";
  }
  // AsCanonicalBytes: trailing zeros into the exponent, then down to a multiple of 3.
  const [amount0, times] = strip(mantissa, 10n);
  let amount = amount0;
  let exp = scale + times;
  while (exp % 3 !== 0) {
    amount *= 10n;
    exp--;
  }
  if (format === "DecimalExponent") return `${sign}${amount}${exp === 0 ? "" : `e${exp}`}`;
  // An exponent without an SI suffix prints no suffix at all (as upstream's suffixer does).
  return `${sign}${amount}${DEC_SUFFIX.get(exp) ?? ""}`;
}
