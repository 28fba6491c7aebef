// Long-running operations. A PUT/DELETE that has work to do records an operation in the
// same transaction as the desired state, and queues a work item (kind `arm-operation`, key =
// operation id) for the runtime (src/runtime/); the request answers at once. The runtime runs
// the operation kind's worker in its own transaction, in whichever process holds the item's
// lease, and marks the operation Succeeded or — after a deterministic error or the last
// attempt — Failed with an Azure-shaped error. Because the work commits in one transaction a
// kill leaves an operation either done or untouched, and another process (or the next start)
// takes it over.
import type { WorkContext, WorkKind } from "../runtime/runtime.js";
import { AttemptsExhausted } from "../runtime/runtime.js";
import type { OperationRecord, Store, WorkItem } from "../store/types.js";
import { type ArmContext, backgroundContext } from "./context.js";
import { ArmError } from "./errors.js";
import { newGuid } from "./ids.js";

export type OperationWorker = (
  ctx: ArmContext,
  op: OperationRecord,
) => Promise<{ resultStatus?: number } | undefined>;
export type OperationFailureHook = (ctx: ArmContext, op: OperationRecord, error: ArmError) => Promise<void>;

/** One kind of long-running operation: its worker and what a failure leaves behind. */
export interface OperationKind {
  kind: string;
  worker: OperationWorker;
  onFailure?: OperationFailureHook;
}

/** The work-queue kind every ARM operation runs as. */
export const OPERATION_WORK = "arm-operation";

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
  await ctx.tx.enqueueWork({ kind: OPERATION_WORK, key: op.id });
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

/**
 * Records a finished POST action whose answer is computed at once: the request answers 202 and
 * the Location (result) URL serves `body`, as actions with final-state-via location do.
 */
export async function completedActionOperation(
  ctx: ArmContext,
  spec: { namespace: string; location: string; target: string },
  body: unknown,
): Promise<OperationRecord> {
  const op = await completedOperation(ctx, spec, 200);
  const done = { ...op, resultBody: body };
  await ctx.tx.putOperation(done);
  return done;
}

/**
 * The runtime's work kind for ARM operations, over the operation kinds the composition root
 * lists. The operation record says what to do; the work item only says "run it".
 */
export function operationWork(
  kinds: readonly OperationKind[],
  log: (msg: string, err?: unknown) => void,
): WorkKind {
  const byKind = new Map(kinds.map((k) => [k.kind, k]));
  const load = async (ctx: WorkContext, item: WorkItem) => ctx.tx.getOperation(item.key);
  const armContext = (ctx: WorkContext, op: OperationRecord): ArmContext => ({
    ...backgroundContext(ctx.tx, ctx.settings, ctx.services, op.subscriptionId),
    now: ctx.now,
  });
  return {
    kind: OPERATION_WORK,
    // The delay is this process's test setting: a process without it runs the item at once.
    async readyAt(item, { settings, store }) {
      if (settings.operationDelayMs <= 0) return undefined;
      const op = await store.read((tx) => tx.getOperation(item.key));
      return op?.notBefore;
    },
    async run(ctx, item) {
      const op = await load(ctx, item);
      if (op?.status !== "InProgress") return; // finished (or expired) already
      const kind = byKind.get(op.kind);
      if (!kind)
        throw new ArmError(500, "UnknownOperationKind", `No worker for operation kind '${op.kind}'.`);
      const result = await kind.worker(armContext(ctx, op), op);
      await ctx.tx.putOperation({
        ...op,
        status: "Succeeded",
        resultStatus: result?.resultStatus ?? op.resultStatus ?? 200,
        endTime: new Date().toISOString(),
      });
    },
    // An ArmError is the operation's verdict (validation, capacity …); anything else may pass.
    retryable: (err) => !(err instanceof ArmError),
    async giveUp(ctx, item, err) {
      const op = await load(ctx, item);
      if (op?.status !== "InProgress") return;
      const armError =
        err instanceof ArmError
          ? err
          : err instanceof AttemptsExhausted
            ? new ArmError(
                500,
                "OperationAttemptsExhausted",
                `The operation was attempted ${err.maxAttempts} times without finishing and was stopped. ${err.message}.`,
              )
            : new ArmError(
                500,
                "InternalOperationError",
                "The operation failed unexpectedly; see the emulator log.",
              );
      const kind = byKind.get(op.kind);
      if (kind?.onFailure) await kind.onFailure(armContext(ctx, op), op, armError);
      await ctx.tx.putOperation({
        ...op,
        status: "Failed",
        error: {
          code: armError.code,
          message: armError.message,
          target: armError.target,
          status: armError.status,
        },
        endTime: new Date().toISOString(),
      });
      if (!(err instanceof ArmError))
        ctx.afterCommit(() => log(`operation ${op.id} (${op.kind}) failed`, err));
    },
  };
}

/**
 * Queues every InProgress operation that has no work item (a data dir written before the
 * work queue existed, or an item lost to a reset).
 */
export async function adoptOrphanOperations(store: Store): Promise<number> {
  return store.transaction(async (tx) => {
    let n = 0;
    for (const op of await tx.listOperations("InProgress")) {
      if (await tx.getWork(OPERATION_WORK, op.id)) continue;
      await tx.enqueueWork({ kind: OPERATION_WORK, key: op.id });
      n++;
    }
    return n;
  });
}
