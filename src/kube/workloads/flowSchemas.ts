// kube-apiserver's APF configuration controller's status half (apf_controller.go): each
// FlowSchema's Dangling condition says whether the PriorityLevelConfiguration it names exists
// (what `kubectl get flowschemas` prints as MISSINGPL). Pure: controllers/flowSchemas.ts writes.

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

export interface FlowSchemaLike {
  metadata?: { name?: string; deletionTimestamp?: string };
  spec?: { priorityLevelConfiguration?: { name?: string } };
  status?: { conditions?: Obj[] };
}

/** The Dangling condition a schema naming `level` gets (the controller's words). */
export function danglingCondition(level: string, exists: boolean, now: string): Obj {
  return exists
    ? {
        type: "Dangling",
        status: "False",
        lastTransitionTime: now,
        reason: "Found",
        message: `This FlowSchema references the PriorityLevelConfiguration object named "${level}" and it exists`,
      }
    : {
        type: "Dangling",
        status: "True",
        lastTransitionTime: now,
        reason: "NotFound",
        message: `This FlowSchema references the PriorityLevelConfiguration object named "${level}" but there is no such object`,
      };
}

/**
 * The schemas whose Dangling condition is missing or says otherwise than the levels there are,
 * with their status as it should be (other conditions kept).
 */
export function flowSchemaStatuses<T extends FlowSchemaLike>(
  schemas: readonly T[],
  levels: ReadonlySet<string>,
  now: string,
): T[] {
  const out: T[] = [];
  for (const fs of schemas) {
    if (fs.metadata?.deletionTimestamp) continue;
    const level = fs.spec?.priorityLevelConfiguration?.name ?? "";
    const want = danglingCondition(level, levels.has(level), now);
    const conds = (fs.status?.conditions ?? []).filter(isObj);
    const have = conds.find((c) => c.type === "Dangling");
    if (have && have.status === want.status && have.reason === want.reason && have.message === want.message)
      continue;
    out.push({
      ...fs,
      status: { ...fs.status, conditions: [...conds.filter((c) => c.type !== "Dangling"), want] },
    });
  }
  return out;
}
