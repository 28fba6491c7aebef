// A CronJob's schedule as kube-apiserver and kube-controller-manager read it: robfig/cron v3's
// ParseStandard (five fields or a descriptor, month and weekday names, `?`, `N/step`, an
// optional `TZ=`/`CRON_TZ=` prefix, `@every <Go duration>`), with its error wording, which
// the API's validation and the controller's events quote. The grammar is checked here; the
// calendar walk (months, weekdays, time zones and their DST gaps) is cron-parser's, handed the
// fields as plain number lists so that its day-of-month / day-of-week rule is robfig's: both
// apply (AND) when either field is a bare `*` or `?`, otherwise either one (OR).
import { CronExpressionParser } from "cron-parser";
import { goQuote } from "../goText.js";

export interface Schedule {
  /** The first activation strictly after `t`, or undefined when there is none (robfig's zero time). */
  next(t: Date): Date | undefined;
}

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const FIELDS: Bounds[] = [
  { min: 0, max: 59 }, // minute
  { min: 0, max: 23 }, // hour
  { min: 1, max: 31 }, // day of month
  { min: 1, max: 12, names: Object.fromEntries(MONTH_NAMES.map((n, i) => [n, i + 1])) },
  { min: 0, max: 6, names: Object.fromEntries(DAY_NAMES.map((n, i) => [n, i])) },
];

/** robfig's descriptors, as the five fields they stand for. */
const DESCRIPTORS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

export class ScheduleError extends Error {}

/** Go's strconv.Atoi with robfig's mustParseInt around it. */
function parseUint(expr: string): number {
  const numErr = (why: string) =>
    new ScheduleError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${goQuote(expr)}: ${why}`);
  if (!/^[+-]?[0-9]+$/.test(expr)) throw numErr("invalid syntax");
  const n = Number(expr);
  if (!Number.isSafeInteger(n) && Math.abs(n) > 2 ** 63 - 1) throw numErr("value out of range");
  if (n < 0) throw new ScheduleError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

const intOrName = (expr: string, b: Bounds): number => b.names?.[expr.toLowerCase()] ?? parseUint(expr);

/** One field (a comma-separated list of ranges) → its values, and whether a range was a bare `*`/`?`. */
function parseField(field: string, b: Bounds): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  // strings.FieldsFunc: empty items between commas are skipped.
  for (const expr of field.split(",").filter(Boolean)) {
    const rangeAndStep = expr.split("/");
    const lowAndHigh = rangeAndStep[0].split("-");
    let start: number;
    let end: number;
    let extraStar = false;
    if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
      start = b.min;
      end = b.max;
      extraStar = true;
    } else {
      start = intOrName(lowAndHigh[0], b);
      if (lowAndHigh.length === 1) end = start;
      else if (lowAndHigh.length === 2) end = intOrName(lowAndHigh[1], b);
      else throw new ScheduleError(`too many hyphens: ${expr}`);
    }
    let step = 1;
    if (rangeAndStep.length === 2) {
      step = parseUint(rangeAndStep[1]);
      // "N/step" means "N-max/step".
      if (lowAndHigh.length === 1) end = b.max;
      if (step > 1) extraStar = false;
    } else if (rangeAndStep.length > 2) throw new ScheduleError(`too many slashes: ${expr}`);
    if (start < b.min)
      throw new ScheduleError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
    if (end > b.max) throw new ScheduleError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
    if (start > end)
      throw new ScheduleError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
    if (step === 0) throw new ScheduleError(`step of range should be a positive number: ${expr}`);
    for (let i = start; i <= end; i += step) values.add(i);
    star ||= extraStar;
  }
  return { values, star };
}

const GO_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration, in nanoseconds, with its error wording. */
export function parseGoDuration(orig: string): number {
  const invalid = () => new ScheduleError(`time: invalid duration ${goQuote(orig)}`);
  let s = orig;
  let neg = false;
  if (s[0] === "-" || s[0] === "+") {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") throw invalid();
  let total = 0;
  while (s !== "") {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(s);
    const whole = m?.[1] ?? "";
    const frac = m?.[2];
    if (!whole && !frac) throw invalid();
    s = s.slice(m?.[0].length ?? 0);
    const unit = /^[^0-9.]*/.exec(s)?.[0] ?? "";
    if (!unit) throw new ScheduleError(`time: missing unit in duration ${goQuote(orig)}`);
    s = s.slice(unit.length);
    const scale = GO_UNITS[unit];
    if (scale === undefined)
      throw new ScheduleError(`time: unknown unit ${goQuote(unit)} in duration ${goQuote(orig)}`);
    total += Number(whole || "0") * scale + (frac ? Number(`0.${frac}`) * scale : 0);
    if (total > 2 ** 63 - 1) throw invalid();
  }
  return neg ? -total : total;
}

/**
 * Whether Go's time.LoadLocation knows `name` (the IANA database; "" and "UTC" are UTC): the
 * error text it gives, or undefined. Node's Intl knows the same zones; Go reads them from
 * files, so a name in another case is unknown to it.
 */
export function loadLocationError(name: string): string | undefined {
  if (name === "" || name === "UTC") return undefined;
  const unknown = `unknown time zone ${name}`;
  if (name === "Local") return undefined;
  try {
    const resolved = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
    if (resolved.toLowerCase() === name.toLowerCase() && resolved !== name) return unknown;
    return undefined;
  } catch {
    return unknown;
  }
}

/** The zone a schedule runs in: Intl's name for it (Go's "" and "Local" are the controller's UTC). */
const zoneOf = (name: string) => (name === "" || name === "Local" ? "UTC" : name);

/**
 * cron.ParseStandard(spec), the spec already prefixed `TZ=<zone> ` when the CronJob names a
 * time zone (formatSchedule). Throws ScheduleError with robfig's message.
 */
export function parseStandard(spec: string): Schedule {
  if (spec.length === 0) throw new ScheduleError("empty spec string");
  let zone = "";
  if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
    const i = spec.indexOf(" ");
    const eq = spec.indexOf("=");
    // robfig slices to the first space; without one Go would panic, kube-apiserver must not.
    zone = spec.slice(eq + 1, i < 0 ? spec.length : i);
    const err = loadLocationError(zone);
    if (err) throw new ScheduleError(`provided bad location ${zone}: ${err}`);
    spec = i < 0 ? "" : spec.slice(i).trim();
  }
  if (spec.startsWith("@")) {
    const every = "@every ";
    if (spec.startsWith(every)) {
      let ns: number;
      try {
        ns = parseGoDuration(spec.slice(every.length));
      } catch (e) {
        throw new ScheduleError(`failed to parse duration ${spec}: ${(e as Error).message}`);
      }
      // ConstantDelaySchedule: at least a second, whole seconds, counted from the second of `t`.
      const delayMs = Math.max(1000, Math.floor(ns / 1e9) * 1000);
      return { next: (t) => new Date(Math.floor(t.getTime() / 1000) * 1000 + delayMs) };
    }
    const fields = DESCRIPTORS[spec];
    if (!fields) throw new ScheduleError(`unrecognized descriptor: ${spec}`);
    spec = fields;
  }
  const fields = spec.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== 5)
    throw new ScheduleError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(" ")}]`);
  const parsed = fields.map((f, i) => parseField(f, FIELDS[i]));
  // What cron-parser is handed: `*` for a field robfig marks as starred, else the plain list.
  const plain = parsed.map((p) => (p.star ? "*" : [...p.values].sort((a, b) => a - b).join(",")));
  // A field every range of which was empty (",") matches nothing: robfig never fires it.
  if (plain.some((p) => p === "")) return { next: () => undefined };
  const expression = plain.join(" ");
  const tz = zoneOf(zone);
  return {
    next(t) {
      try {
        return CronExpressionParser.parse(expression, { currentDate: t, tz }).next().toDate();
      } catch {
        // A date no month has (Feb 30): robfig searches five years and gives up.
        return undefined;
      }
    },
  };
}

/** `t` in Go's RFC 3339 for `zone` ("Z" at offset zero, else ±hh:mm), to the second. */
export function rfc3339In(t: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zoneOf(zone),
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(t);
  const p = (type: string) => Number(parts.find((x) => x.type === type)?.value ?? 0);
  const whole = Math.floor(t.getTime() / 1000) * 1000;
  const local = Date.UTC(p("year"), p("month") - 1, p("day"), p("hour"), p("minute"), p("second"));
  const offsetMin = Math.round((local - whole) / 60000);
  const pad = (n: number) => String(n).padStart(2, "0");
  const wall = new Date(local).toISOString().slice(0, 19);
  if (offsetMin === 0) return `${wall}Z`;
  const a = Math.abs(offsetMin);
  return `${wall}${offsetMin < 0 ? "-" : "+"}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}
