// The controller runtime on every store backend: retries with backoff, bounded attempts, a
// final Failed with an Azure-shaped error, deadlines, and one holder per item.
import { afterEach, describe, expect, it } from "vitest";
import type { EmulatorSettings, Services } from "../../src/providers/context.js";
import { ArmError } from "../../src/providers/errors.js";
import { OPERATION_WORK, operationWork } from "../../src/providers/operations.js";
import { Runtime, type WorkKind } from "../../src/runtime/runtime.js";
import type { Store } from "../../src/store/types.js";
import { backends } from "../helpers/stores.js";

const settings = {
  tenantId: "t",
  subscriptions: [{ subscriptionId: "s", tenantId: "t", displayName: "s" }],
  operationDelayMs: 0,
} as unknown as EmulatorSettings;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const fast = { baseBackoffMs: 10, maxBackoffMs: 40, leaseMs: 300, pollMs: 50, maxAttempts: 4 };

function runtimeOn(store: Store, kinds: WorkKind[], opts = {}) {
  const services = { store, registry: undefined, kickOperations: () => rt.kick() } as unknown as Services;
  const rt: Runtime = new Runtime(
    store,
    settings,
    () => services,
    () => undefined,
    { ...fast, ...opts },
  );
  for (const k of kinds) rt.register(k);
  cleanup.push(() => rt.stop());
  return rt;
}

async function until(cond: () => Promise<boolean> | boolean, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(backends())("runtime on $name", (backend) => {
  const fresh = async () => {
    const s = await backend.open();
    cleanup.push(() => s.close());
    return s;
  };

  it("retries a failing item with backoff until it succeeds; its writes commit once", async () => {
    const store = await fresh();
    let calls = 0;
    const rt = runtimeOn(store, [
      {
        kind: "flaky",
        async run(ctx, item) {
          calls++;
          await ctx.tx.setMeta(`ran:${item.key}`, String(ctx.attempt));
          if (ctx.attempt < 3) throw new Error(`transient ${ctx.attempt}`);
        },
      },
    ]);
    await rt.start();
    await store.transaction((tx) => tx.enqueueWork({ kind: "flaky", key: "a" }));
    await until(async () => (await store.read((tx) => tx.getWork("flaky", "a"))) === undefined);
    expect(calls).toBe(3);
    expect(await store.read((tx) => tx.getMeta("ran:a"))).toBe("3");
    expect(rt.counters).toMatchObject({ retries: 2, succeeded: 1, givenUp: 0 });
  });

  it("gives up after the last attempt, and at once on a permanent error", async () => {
    const store = await fresh();
    const gaveUp: string[] = [];
    let runs = 0;
    const rt = runtimeOn(store, [
      {
        kind: "bad",
        async run(_ctx, item) {
          runs++;
          if (item.key === "verdict") throw new ArmError(400, "InvalidThing", "no");
          throw new TypeError("always");
        },
        retryable: (e) => !(e instanceof ArmError),
        async giveUp(ctx, item, err) {
          gaveUp.push(`${item.key}:${item.attempts}:${err.message}`);
          await ctx.tx.setMeta(`failed:${item.key}`, err.message);
        },
      },
    ]);
    await rt.start();
    await store.transaction(async (tx) => {
      await tx.enqueueWork({ kind: "bad", key: "always" });
      await tx.enqueueWork({ kind: "bad", key: "verdict" });
    });
    await until(() => gaveUp.length === 2);
    // giveUp's writes commit just after it returns
    await until(async () => (await store.read((tx) => tx.getWork("bad", "always"))) === undefined);
    // giveUp runs inside the item's transaction; PostgreSQL may retry that transaction on a
    // serialization failure, re-running the in-memory push (the store writes commit once).
    expect([...new Set(gaveUp)].sort()).toEqual(["always:4:always", "verdict:1:no"]);
    expect(await store.read((tx) => tx.getMeta("failed:verdict"))).toBe("no");
    expect(runs).toBe(5);
    expect(await store.read((tx) => tx.getMeta("failed:always"))).toBe("always");
    expect(await store.read((tx) => tx.getWork("bad", "always"))).toBeUndefined();
  });

  it("a hanging attempt hits its deadline, frees the store and ends Failed", async () => {
    const store = await fresh();
    let failed: Error | undefined;
    const rt = runtimeOn(
      store,
      [
        {
          kind: "hang",
          run: () => new Promise<void>(() => undefined),
          async giveUp(_ctx, _item, err) {
            failed = err;
          },
        },
      ],
      { attemptTimeoutMs: 100, maxAttempts: 2 },
    );
    await rt.start();
    await store.transaction((tx) => tx.enqueueWork({ kind: "hang", key: "x" }));
    // Other writers are not blocked for ever by the hung body.
    await new Promise((r) => setTimeout(r, 50));
    await store.transaction((tx) => tx.setMeta("still", "writable"));
    await until(() => failed !== undefined);
    expect(failed?.name).toBe("StoreTimeoutError");
  });

  it("an item that crashed its process on every attempt is given up without running again", async () => {
    const store = await fresh();
    await store.transaction((tx) => tx.enqueueWork({ kind: "poison", key: "p" }));
    // Four processes each claimed it and died (their leases expire).
    for (let i = 0; i < 4; i++) {
      expect(await store.claimWork(`dead${i}`, { leaseMs: 1, limit: 1 })).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 5));
    }
    let ran = false;
    let failed: Error | undefined;
    const rt = runtimeOn(store, [
      {
        kind: "poison",
        async run() {
          ran = true;
        },
        async giveUp(_ctx, _item, err) {
          failed = err;
        },
      },
    ]);
    await rt.start();
    await until(() => failed !== undefined);
    expect(ran).toBe(false);
    expect(failed?.message).toMatch(/^gave up after 4 attempts/);
  });

  it("ARM operations: a worker that keeps failing ends Failed with an Azure-shaped error", async () => {
    const store = await fresh();
    const logged: string[] = [];
    const rt = runtimeOn(store, []);
    rt.register(
      operationWork(
        [
          {
            kind: "boom",
            worker: async () => {
              throw new TypeError("x is not a function");
            },
          },
          { kind: "ok", worker: async () => ({ resultStatus: 200 }) },
        ],
        (m) => logged.push(m),
      ),
    );
    const base = { subscriptionId: "s", namespace: "Microsoft.Network", location: "eastus", target: "/x" };
    await store.transaction(async (tx) => {
      await tx.putOperation({
        ...base,
        id: "op1",
        kind: "boom",
        status: "InProgress",
        startTime: "2026-01-01T00:00:00Z",
      });
      await tx.putOperation({
        ...base,
        id: "op2",
        kind: "ok",
        status: "InProgress",
        startTime: "2026-01-01T00:00:00Z",
      });
      await tx.enqueueWork({ kind: OPERATION_WORK, key: "op1" });
      await tx.enqueueWork({ kind: OPERATION_WORK, key: "op2" });
    });
    await rt.start();
    await until(async () => (await store.read((tx) => tx.getOperation("op1")))?.status !== "InProgress");
    const op1 = await store.read((tx) => tx.getOperation("op1"));
    expect(op1?.status).toBe("Failed");
    expect(op1?.error).toEqual({
      code: "InternalOperationError",
      message: "The operation failed unexpectedly; see the emulator log.",
      status: 500,
    });
    expect(logged).toEqual(["operation op1 (boom) failed"]);
    expect((await store.read((tx) => tx.getOperation("op2")))?.status).toBe("Succeeded");
  });

  it("the failure is logged once even when the store runs the transaction body again", async () => {
    const inner = await fresh();
    // Every transaction body runs twice, the first run rolled back: what a PostgreSQL retry after
    // a serialization failure does.
    class Replay extends Error {}
    const store: Store = Object.create(inner, {
      transaction: {
        value: async <T>(
          fn: Parameters<Store["transaction"]>[0],
          opts?: Parameters<Store["transaction"]>[1],
        ) => {
          await inner
            .transaction(async (tx) => {
              await fn(tx);
              throw new Replay();
            }, opts)
            .catch((e) => {
              if (!(e instanceof Replay)) throw e;
            });
          return inner.transaction(fn, opts) as Promise<T>;
        },
      },
    });
    const logged: string[] = [];
    const rt = runtimeOn(store, [], { maxAttempts: 1 });
    rt.register(
      operationWork(
        [
          {
            kind: "boom",
            worker: async () => {
              throw new TypeError("x is not a function");
            },
          },
        ],
        (m) => logged.push(m),
      ),
    );
    await inner.transaction(async (tx) => {
      await tx.putOperation({
        subscriptionId: "s",
        namespace: "Microsoft.Network",
        location: "eastus",
        target: "/x",
        id: "op9",
        kind: "boom",
        status: "InProgress",
        startTime: "2026-01-01T00:00:00Z",
      });
      await tx.enqueueWork({ kind: OPERATION_WORK, key: "op9" });
    });
    await rt.start();
    await until(async () => (await inner.read((tx) => tx.getOperation("op9")))?.status === "Failed");
    await until(() => logged.length > 0);
    await new Promise((r) => setTimeout(r, 100));
    expect(logged).toEqual(["operation op9 (boom) failed"]);
  });

  it("two runtimes on one store commit each item exactly once", async () => {
    const store = await fresh();
    const runs = new Map<string, number>();
    const kind = (): WorkKind => ({
      kind: "count",
      async run(ctx, item) {
        runs.set(item.key, (runs.get(item.key) ?? 0) + 1);
        // Committed effect: an attempt whose lease was lost rolls back, so this counts commits.
        const n = Number((await ctx.tx.getMeta(`done:${item.key}`)) ?? 0);
        await ctx.tx.setMeta(`done:${item.key}`, String(n + 1));
      },
    });
    const a = runtimeOn(store, [kind()]);
    const b = runtimeOn(store, [kind()]);
    await a.start();
    await b.start();
    await store.transaction(async (tx) => {
      for (let i = 0; i < 40; i++) await tx.enqueueWork({ kind: "count", key: `k${i}` });
    });
    await until(() => runs.size === 40);
    const committedNow = () =>
      store.read(async (tx) => Promise.all(Array.from({ length: 40 }, (_, i) => tx.getMeta(`done:k${i}`))));
    await until(async () => (await committedNow()).every((v) => v !== undefined));
    await new Promise((r) => setTimeout(r, 200));
    const committed = await committedNow();
    expect(committed).toEqual(Array(40).fill("1"));
    expect(a.counters.succeeded + b.counters.succeeded).toBe(40);
  });
});
