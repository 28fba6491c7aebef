// Long-running operations. A PUT/DELETE that has work to do records an operation in the
// same transaction as the desired state and answers at once; the runner then executes the
// registered worker for the operation's kind in its own transaction. An operation left
// InProgress by a crash or kill is picked up again at the next start, and because its work
// commits in one transaction it is either fully done or not at all.
import type { OperationRecord, Store } from "../store/types.js";
import type { ArmContext, EmulatorSettings, Services } from "./context.js";
import { ArmError } from "./errors.js";
import { newGuid } from "./ids.js";

export type OperationWorker = (
  ctx: ArmContext,
  op: OperationRecord,
) => Promise<{ resultStatus?: number } | undefined>;
export type OperationFailureHook = (ctx: ArmContext, op: OperationRecord, error: ArmError) => Promise<void>;

interface Kind {
  worker: OperationWorker;
  onFailure?: OperationFailureHook;
}

const kinds = new Map<string, Kind>();

/** Providers register each kind of background work once, at module load. */
export function registerOperationKind(
  kind: string,
  worker: OperationWorker,
  onFailure?: OperationFailureHook,
): void {
  kinds.set(kind, { worker, onFailure });
}

export interface StartOperation {
  namespace: string;
  location: string;
  kind: string;
  target: string;
  payload?: Record<string, unknown>;
  /** "empty" for deletes: the result URL then answers without the (gone) resource. */
  result?: "resource" | "empty";
}

/** Records an InProgress operation; the runner starts it once the transaction commits. */
export async function startOperation(ctx: ArmContext, spec: StartOperation): Promise<OperationRecord> {
  const op: OperationRecord = {
    id: newGuid(),
    subscriptionId: ctx.subscriptionId,
    namespace: spec.namespace,
    location: spec.location,
    kind: spec.kind,
    target: spec.target,
    status: "InProgress",
    payload: spec.payload,
    result: spec.result,
    startTime: ctx.now.toISOString(),
    notBefore:
      ctx.settings.operationDelayMs > 0 ? ctx.now.getTime() + ctx.settings.operationDelayMs : undefined,
  };
  await ctx.tx.putOperation(op);
  ctx.services.kickOperations();
  return op;
}

/** Records an operation whose work already happened synchronously (clients may still poll it). */
export async function completedOperation(
  ctx: ArmContext,
  spec: Omit<StartOperation, "kind" | "payload">,
  resultStatus = 200,
): Promise<OperationRecord> {
  const op: OperationRecord = {
    id: newGuid(),
    subscriptionId: ctx.subscriptionId,
    namespace: spec.namespace,
    location: spec.location,
    kind: "noop",
    target: spec.target,
    status: "Succeeded",
    resultStatus,
    result: spec.result,
    startTime: ctx.now.toISOString(),
    endTime: ctx.now.toISOString(),
  };
  await ctx.tx.putOperation(op);
  return op;
}

export class OperationRunner {
  private running = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly settings: EmulatorSettings,
    private readonly services: () => Services,
    private readonly log: (msg: string, err?: unknown) => void,
  ) {}

  /** Ask the runner to look for work (cheap; coalesces). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    setImmediate(() => void this.drain());
  }

  /** Resolves when no runnable operation is left (tests, shutdown). */
  whenIdle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.again = false;
        const pending = await this.store.transaction((tx) => tx.listOperations("InProgress"));
        const now = Date.now();
        let wakeAt: number | undefined;
        for (const op of pending) {
          if (this.stopped) return;
          // The delay is this process's test setting: a restart without it runs everything at once.
          if (this.settings.operationDelayMs > 0 && op.notBefore && op.notBefore > now) {
            wakeAt = Math.min(wakeAt ?? op.notBefore, op.notBefore);
            continue;
          }
          await this.execute(op);
        }
        if (wakeAt !== undefined && !this.stopped) {
          if (this.timer) clearTimeout(this.timer);
          this.timer = setTimeout(() => this.kick(), Math.max(1, wakeAt - Date.now()));
        }
      } while (this.again && !this.stopped);
    } catch (err) {
      this.log("operation runner failed", err);
    } finally {
      this.running = false;
      const waiters = this.idleWaiters.splice(0);
      for (const w of waiters) w();
    }
  }

  private context(tx: ArmContext["tx"], op: OperationRecord): ArmContext {
    const sub = this.settings.subscriptions.find(
      (s) => s.subscriptionId.toLowerCase() === op.subscriptionId.toLowerCase(),
    );
    return {
      tx,
      subscriptionId: op.subscriptionId,
      tenantId: sub?.tenantId ?? this.settings.tenantId,
      apiVersion: "",
      query: {},
      settings: this.settings,
      services: this.services(),
      now: new Date(),
    };
  }

  private async execute(op: OperationRecord): Promise<void> {
    const kind = kinds.get(op.kind);
    try {
      await this.store.transaction(async (tx) => {
        const current = await tx.getOperation(op.id);
        if (current?.status !== "InProgress") return; // another runner finished it
        if (!kind)
          throw new ArmError(500, "UnknownOperationKind", `No worker for operation kind '${op.kind}'.`);
        const result = await kind.worker(this.context(tx, current), current);
        await tx.putOperation({
          ...current,
          status: "Succeeded",
          resultStatus: result?.resultStatus ?? current.resultStatus ?? 200,
          endTime: new Date().toISOString(),
        });
      });
    } catch (err) {
      const armError =
        err instanceof ArmError
          ? err
          : new ArmError(
              500,
              "InternalOperationError",
              "The operation failed unexpectedly; see the emulator log.",
            );
      if (!(err instanceof ArmError)) this.log(`operation ${op.id} (${op.kind}) failed`, err);
      await this.store.transaction(async (tx) => {
        const current = (await tx.getOperation(op.id)) ?? op;
        if (kind?.onFailure) await kind.onFailure(this.context(tx, current), current, armError);
        await tx.putOperation({
          ...current,
          status: "Failed",
          error: {
            code: armError.code,
            message: armError.message,
            target: armError.target,
            status: armError.status,
          },
          endTime: new Date().toISOString(),
        });
      });
    }
  }
}
