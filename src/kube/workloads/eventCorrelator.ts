// What client-go's event recorder (tools/record, events_cache.go) does to an event before it
// reaches the API, for the components that record core/v1 Events this way (kube-controller-
// manager's controllers, the kubelet):
//   1. aggregation — the 10th event in 10 minutes that differs from earlier ones about the same
//      object only by its message becomes "(combined from similar events): <message>", and
//      later ones update that one;
//   2. counting — an event seen before (same key) updates the stored one: count + 1, the
//      first timestamp kept;
//   3. spam filter — a source may write 25 events about one object at once, then one every
//      5 minutes; the rest are dropped (after being counted, as upstream).
// So scaling a ReplicaSet to 10,000 writes 25 SuccessfulCreate events, not 10,000, and
// `kubectl describe rs` shows "(x16 over …)  (combined from similar events): Created pod: …"
// as on a real cluster. The caller passes the clock and writes what it is told; the combined
// event is named by the recorder's clock (events.ts) like every other.
import type { Event } from "kubernetes-types/core/v1.js";
import { rfc3339 } from "../time.js";
import { eventName } from "./events.js";

const CACHE_ENTRIES = 4096;
const AGGREGATE_MAX_EVENTS = 10;
const AGGREGATE_INTERVAL_MS = 600_000;
const SPAM_BURST = 25;
const SPAM_QPS = 1 / 300;

export type Correlated =
  /** Write it as a new event (`key`: its entry in the correlator's log, see `renamed`). */
  | { op: "create"; event: Event; key: string }
  /** Replace the stored event of this name (same object: count, lastTimestamp, message). */
  | { op: "update"; event: Event; key: string }
  /** Dropped by the spam filter. */
  | { op: "skip" };

/**
 * groupcache/lru: entries in use order (a list through a Map), the least recently used one
 * forgotten past `max`. Every read here is followed by a write of the same key, so only `set`
 * moves a key to the front. (A Map alone, re-inserting to reorder and evicting its first key,
 * left a trail of deleted slots at its start that every eviction walked past.)
 */
interface LruEntry<K, V> {
  key: K;
  value: V;
  newer?: LruEntry<K, V>;
  older?: LruEntry<K, V>;
}
class Lru<K, V> {
  private readonly m = new Map<K, LruEntry<K, V>>();
  private newest?: LruEntry<K, V>;
  private oldest?: LruEntry<K, V>;
  constructor(private readonly max: number) {}
  peek(k: K): V | undefined {
    return this.m.get(k)?.value;
  }
  set(k: K, v: V): void {
    let e = this.m.get(k);
    if (e) {
      e.value = v;
      if (e === this.newest) return;
      this.unlink(e);
    } else {
      e = { key: k, value: v };
      this.m.set(k, e);
    }
    e.older = this.newest;
    e.newer = undefined;
    if (this.newest) this.newest.newer = e;
    this.newest = e;
    this.oldest ??= e;
    if (this.m.size > this.max && this.oldest) {
      const gone = this.oldest;
      this.unlink(gone);
      this.m.delete(gone.key);
    }
  }
  private unlink(e: LruEntry<K, V>): void {
    if (e.newer) e.newer.older = e.older;
    else this.newest = e.older;
    if (e.older) e.older.newer = e.newer;
    else this.oldest = e.newer;
    e.newer = undefined;
    e.older = undefined;
  }
}

const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));

/**
 * getSpamKey: the source and the object. The other keys extend it (upstream joins the same
 * fields; their order inside a key does not matter, only that keys differ when fields do).
 */
function spamKey(e: Event): string {
  const o = e.involvedObject;
  return (
    str(e.source?.component) +
    str(e.source?.host) +
    str(o.kind) +
    str(o.namespace) +
    str(o.name) +
    str(o.uid) +
    str(o.apiVersion)
  );
}

/** getEventKey: the object's field path, type, reason and message too (`spam`: spamKey(e)). */
function eventKey(e: Event, spam: string): string {
  return spam + str(e.involvedObject.fieldPath) + str(e.type) + str(e.reason) + str(e.message);
}

/** EventAggregatorByReasonFunc: everything but the message (which is the local key). */
function aggregateKey(e: Event, spam: string): string {
  return spam + str(e.type) + str(e.reason) + str(e.reportingComponent) + str(e.reportingInstance);
}

export class EventCorrelator {
  private readonly aggregates = new Lru<string, { localKeys: Set<string>; last: number }>(CACHE_ENTRIES);
  /** eventLog: per key, the event last recorded under it (its name, count, first timestamp). */
  private readonly logs = new Lru<string, { name: string; count: number; firstTimestamp?: string }>(
    CACHE_ENTRIES,
  );
  private readonly buckets = new Lru<string, { tokens: number; at: number }>(CACHE_ENTRIES);

  /** EventCorrelate: aggregate, observe, filter. `nowMs` is the recorder's clock. */
  correlate(input: Event, nowMs: number): Correlated {
    // One spam key for all three steps: a combined or counted event keeps the source and object.
    const spam = spamKey(input);
    const { event: aggregated, key } = this.aggregate(input, nowMs, spam);
    const observed = this.observe(aggregated, key);
    if (this.spam(spam, nowMs)) return { op: "skip" };
    return observed;
  }

  private aggregate(e: Event, now: number, spam: string): { event: Event; key: string } {
    const aKey = aggregateKey(e, spam);
    let record = this.aggregates.peek(aKey);
    if (!record || now - record.last > AGGREGATE_INTERVAL_MS) record = { localKeys: new Set(), last: now };
    record.localKeys.add(str(e.message));
    record.last = now;
    this.aggregates.set(aKey, record);
    if (record.localKeys.size < AGGREGATE_MAX_EVENTS) return { event: e, key: eventKey(e, spam) };
    // Do not grow the set past the maximum (sets.String.PopAny).
    record.localKeys.delete(record.localKeys.values().next().value as string);
    const at = rfc3339(now);
    const combined: Event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: {
        name: eventName(e.involvedObject.name ?? "", now),
        namespace: e.metadata?.namespace,
      },
      involvedObject: e.involvedObject,
      reason: e.reason,
      message: `(combined from similar events): ${str(e.message)}`,
      source: e.source,
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
      type: e.type,
    };
    return { event: combined, key: aKey };
  }

  private observe(e: Event, key: string): { op: "create" | "update"; event: Event; key: string } {
    const last = this.logs.peek(key);
    let out: { op: "create" | "update"; event: Event; key: string } = { op: "create", event: e, key };
    if (last) {
      out = {
        op: "update",
        key,
        event: {
          ...e,
          metadata: { ...e.metadata, name: last.name },
          firstTimestamp: last.firstTimestamp,
          count: last.count + 1,
        },
      };
    }
    this.logs.set(key, {
      name: out.event.metadata?.name ?? "",
      count: out.event.count ?? 1,
      firstTimestamp: out.event.firstTimestamp,
    });
    return out;
  }

  /**
   * The event logged under `key` was written under another name (its own was taken): later
   * repeats update that one, never the event that holds the first name.
   */
  renamed(key: string, name: string): void {
    const last = this.logs.peek(key);
    if (last) this.logs.set(key, { ...last, name });
  }

  /** True when the source has no token left for this object (token bucket, burst 25, 1 per 5 min). */
  private spam(k: string, now: number): boolean {
    const b = this.buckets.peek(k) ?? { tokens: SPAM_BURST, at: now };
    b.tokens = Math.min(SPAM_BURST, b.tokens + ((now - b.at) / 1000) * SPAM_QPS);
    b.at = now;
    const filtered = b.tokens < 1;
    if (!filtered) b.tokens -= 1;
    this.buckets.set(k, b);
    return filtered;
  }
}
