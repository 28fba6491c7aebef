// APF's configuration controller, status half: a FlowSchema's Dangling condition follows whether
// its PriorityLevelConfiguration exists; nothing is written when it already says so.
import { describe, expect, it } from "vitest";
import { danglingCondition, flowSchemaStatuses } from "../../../src/kube/workloads/flowSchemas.js";

const NOW = "2026-01-02T03:04:05Z";
const fs = (name: string, level: string, conditions?: Record<string, unknown>[]) => ({
  metadata: { name },
  spec: { priorityLevelConfiguration: { name: level } },
  ...(conditions ? { status: { conditions } } : {}),
});

describe("flowSchemaStatuses", () => {
  it("Dangling True for a missing level, False once it exists; unchanged ones are left alone", () => {
    const levels = new Set(["exempt", "global-default"]);
    const out = flowSchemaStatuses(
      [
        fs("a", "later"),
        fs("b", "global-default", [danglingCondition("global-default", true, "2025-01-01T00:00:00Z")]),
        fs("c", "exempt", [{ type: "Other", status: "True" }, danglingCondition("exempt", false, NOW)]),
      ],
      levels,
      NOW,
    );
    expect(out.map((x) => x.metadata.name)).toEqual(["a", "c"]);
    expect(out[0].status?.conditions).toEqual([
      {
        type: "Dangling",
        status: "True",
        lastTransitionTime: NOW,
        reason: "NotFound",
        message:
          'This FlowSchema references the PriorityLevelConfiguration object named "later" but there is no such object',
      },
    ]);
    // Other conditions are kept, the Dangling one replaced.
    expect(out[1].status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["Other", "True", undefined],
      ["Dangling", "False", "Found"],
    ]);
  });
});
