import { describe, expect, it } from "vitest";
import { type RouteEntry, selectRoute, systemRoutes } from "../../src/net/routeLookup.js";

describe("selectRoute", () => {
  const sys = systemRoutes(["10.224.0.0/12"]);
  it("picks the longest prefix among system routes", () => {
    expect(selectRoute(sys, "10.224.3.4")).toMatchObject({
      prefix: "10.224.0.0/12",
      nextHopType: "VnetLocal",
    });
    expect(selectRoute(sys, "10.1.2.3")).toMatchObject({ prefix: "10.0.0.0/8", nextHopType: "None" });
    expect(selectRoute(sys, "100.64.0.1")).toMatchObject({ prefix: "100.64.0.0/10", nextHopType: "None" });
    expect(selectRoute(sys, "8.8.8.8")).toMatchObject({ prefix: "0.0.0.0/0", nextHopType: "Internet" });
    expect(selectRoute(sys, "2001:db8::1")).toMatchObject({ prefix: "::/0", nextHopType: "Internet" });
  });
  it("a user route beats a system route of the same length; a longer one beats both; tags never match", () => {
    const user: RouteEntry[] = [
      {
        prefix: "0.0.0.0/0",
        nextHopType: "VirtualAppliance",
        nextHopIpAddress: "10.0.0.4",
        source: "User",
        name: "fw",
      },
      { prefix: "8.8.8.0/24", nextHopType: "Internet", source: "User", name: "dns" },
      { prefix: "AzureCloud", nextHopType: "Internet", source: "User", name: "tag" },
    ];
    expect(selectRoute([...sys, ...user], "1.1.1.1")?.name).toBe("fw");
    expect(selectRoute([...user, ...sys], "1.1.1.1")?.name).toBe("fw");
    expect(selectRoute([...sys, ...user], "8.8.8.8")?.name).toBe("dns");
    expect(selectRoute([...sys, ...user], "10.224.0.9")?.nextHopType).toBe("VnetLocal");
    expect(selectRoute([], "1.1.1.1")).toBeUndefined();
  });
});
