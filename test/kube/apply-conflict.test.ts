// The 409 of a server-side apply conflict, shaped as kube-apiserver's NewConflictError: causes
// name the manager (the path is the cause's field), the message lists fields by manager.
import { expect, it } from "vitest";
import { applyConflict } from "../../src/kube/errors.js";

it("one conflict: inline; causes carry no path in their message", () => {
  const e = applyConflict([{ manager: '"alice"', id: "a", field: ".data.k" }]);
  expect(e.message).toBe('Apply failed with 1 conflict: conflict with "alice": .data.k');
  expect(e.code).toBe(409);
  // NewApplyConflict's details are the causes alone (no name, group or kind).
  expect(e.details).toEqual({
    causes: [{ reason: "FieldManagerConflict", message: 'conflict with "alice"', field: ".data.k" }],
  });
});

it("several: grouped by manager, managers in identity order, fields in the order found", () => {
  const e = applyConflict([
    { manager: '"zed" using v1', id: '{"manager":"zed"}', field: ".data.z" },
    { manager: '"amy"', id: '{"manager":"amy"}', field: ".data.b" },
    { manager: '"amy"', id: '{"manager":"amy"}', field: ".data.a" },
  ]);
  expect(e.message).toBe(
    'Apply failed with 3 conflicts: conflicts with "amy":\n- .data.b\n- .data.a\nconflicts with "zed" using v1:\n- .data.z',
  );
});
