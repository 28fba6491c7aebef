// ARM action patterns and scope ancestry, as the effective-permission check uses them.
import { describe, expect, it } from "vitest";
import { actionMatches } from "../../../src/providers/authorization/permissions.js";
import { isAtOrBelow } from "../../../src/providers/authorization/roleAssignments.js";

describe("actionMatches", () => {
  it("honours * anywhere, case-insensitively", () => {
    const join = "Microsoft.Network/virtualNetworks/subnets/join/action";
    expect(actionMatches("*", join)).toBe(true);
    expect(actionMatches("Microsoft.Network/*", join)).toBe(true);
    expect(actionMatches("microsoft.network/virtualnetworks/subnets/JOIN/action", join)).toBe(true);
    expect(actionMatches("*/read", "Microsoft.Network/virtualNetworks/subnets/read")).toBe(true);
    expect(actionMatches("*/read", join)).toBe(false);
    expect(
      actionMatches("Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/write"),
    ).toBe(true);
    expect(actionMatches("Microsoft.Network/virtualNetworks/read", join)).toBe(false);
    expect(actionMatches("Microsoft.Net.work/*", join)).toBe(false);
  });
});

describe("isAtOrBelow", () => {
  const sub = "/subscriptions/s";
  const rg = `${sub}/resourceGroups/rg`;
  const vnet = `${rg}/providers/Microsoft.Network/virtualNetworks/v`;
  it("treats a scope as inside itself and its ancestors only", () => {
    expect(isAtOrBelow(`${vnet}/subnets/s`, vnet)).toBe(true);
    expect(isAtOrBelow(`${vnet}/subnets/s`, rg.toUpperCase())).toBe(true);
    expect(isAtOrBelow(vnet, sub)).toBe(true);
    expect(isAtOrBelow(vnet, "/")).toBe(true);
    expect(isAtOrBelow(`${rg}2`, rg)).toBe(false);
    expect(isAtOrBelow(rg, vnet)).toBe(false);
  });
});
