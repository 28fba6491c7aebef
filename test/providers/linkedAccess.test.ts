// The linked-access walk (issue 8 item 5): which references a body holds, where, and that
// any nesting depth is walked without a stack overflow (bodies nested 5,000+ deep).
import { describe, expect, it } from "vitest";
import { linkedReferences } from "../../src/providers/linkedAccess.js";

const S1 = "11111111-1111-4111-8111-111111111111";
const S2 = "22222222-2222-4222-8222-222222222222";

describe("linkedReferences", () => {
  it("finds ids in values and in keys, with their body paths; top-level tags are free text", () => {
    const refs = linkedReferences({
      tags: { note: `/subscriptions/${S2}/resourceGroups/x` },
      identity: {
        type: "UserAssigned",
        userAssignedIdentities: {
          [`/subscriptions/${S2}/resourceGroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i`]:
            {},
        },
      },
      properties: {
        ipConfigurations: [
          {
            name: "a",
            properties: { subnet: { id: `/subscriptions/${S1}/resourceGroups/r/providers/x/y/z` } },
          },
          { name: "b", properties: { publicIPAddress: { id: `/SUBSCRIPTIONS/${S2}` } } },
        ],
        description: "subscriptions/not-a-reference",
      },
    });
    expect(refs.map((r) => [r.subscriptionId, r.path]).sort()).toEqual(
      [
        [S1, "properties.ipConfigurations[0].properties.subnet.id"],
        [S2, "properties.ipConfigurations[1].properties.publicIPAddress.id"],
        [
          S2,
          `identity.userAssignedIdentities./subscriptions/${S2}/resourceGroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i`,
        ],
      ].sort(),
    );
  });

  it("walks a body nested 10,000 deep without overflowing the stack", () => {
    let body: unknown = { id: `/subscriptions/${S2}/x` };
    for (let i = 0; i < 10_000; i++) body = i % 2 ? { a: body } : [body];
    const refs = linkedReferences(body);
    expect(refs).toHaveLength(1);
    expect(refs[0].subscriptionId).toBe(S2);
  });

  it("finds nothing in bodies without references", () => {
    expect(linkedReferences({ location: "eastus", properties: { addressPrefix: "10.0.0.0/24" } })).toEqual(
      [],
    );
    expect(linkedReferences(null)).toEqual([]);
    expect(linkedReferences("plain")).toEqual([]);
  });
});
