// Microsoft.Resources / Microsoft.Features through the official SDKs over HTTPS, plus the
// protocol rules (auth, api-version, ETags, paging, LRO) checked on the wire.
import { FeatureClient } from "@azure/arm-features";
import { ResourceManagementClient } from "@azure/arm-resources";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let emu: TestEmulator;
let resources: ResourceManagementClient;

beforeAll(async () => {
  emu = await startTestEmulator({
    pageSize: 3,
    extraSubscriptions: ["11111111-2222-4333-8444-555555555555:99999999-8888-4777-8666-555555555555"],
  });
  resources = new ResourceManagementClient(emu.credential, emu.subscriptionId, emu.clientOptions);
});
afterAll(async () => emu?.close());

const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as { statusCode?: number; code?: string; message: string };
  }
  throw new Error("expected the call to fail");
};

describe("resource groups through @azure/arm-resources", () => {
  it("creates, reads, updates tags, checks existence and lists", async () => {
    const created = await resources.resourceGroups.createOrUpdate("rg-one", {
      location: "East US",
      tags: { a: "1" },
    });
    expect(created.id).toBe(`/subscriptions/${emu.subscriptionId}/resourceGroups/rg-one`);
    expect(created.location).toBe("eastus");
    expect(created.properties?.provisioningState).toBe("Succeeded");
    const got = await resources.resourceGroups.get("RG-ONE");
    expect(got.name).toBe("rg-one");
    const updated = await resources.resourceGroups.update("rg-one", { tags: { b: "2" } });
    expect(updated.tags).toEqual({ b: "2" });
    expect((await resources.resourceGroups.checkExistence("rg-one")).body).toBe(true);
    expect((await resources.resourceGroups.checkExistence("rg-none")).body).toBe(false);
    for (const n of ["rg-two", "rg-three", "rg-four"])
      await resources.resourceGroups.createOrUpdate(n, { location: "westus" });
    const names: string[] = [];
    for await (const rg of resources.resourceGroups.list()) names.push(rg.name!);
    // page size 3 forces nextLink paging
    expect(names).toEqual(["rg-one", "rg-two", "rg-three", "rg-four"]);
  });

  it("refuses a location change and a missing location", async () => {
    const e = await errorOf(resources.resourceGroups.createOrUpdate("rg-one", { location: "westus" }));
    expect(e.statusCode).toBe(409);
    expect(e.code).toBe("InvalidResourceGroupLocation");
    const e2 = await errorOf(resources.resourceGroups.createOrUpdate("rg-x", {} as { location: string }));
    expect(e2.statusCode).toBe(400);
    expect(e2.code).toBe("LocationRequired");
    const e3 = await errorOf(resources.resourceGroups.createOrUpdate("bad/name?", { location: "eastus" }));
    expect(e3.statusCode).toBeGreaterThanOrEqual(400);
  });

  it("a finished delete's result URL answers without a body, even once the name is taken again", async () => {
    const rg = `/subscriptions/${emu.subscriptionId}/resourcegroups/rg-result?api-version=2021-04-01`;
    expect((await emu.arm("PUT", rg, { location: "eastus" })).status).toBe(201);
    const del = await emu.arm("DELETE", rg);
    expect(del.status).toBe(202);
    const result = new URL(del.headers.get("location")!);
    let res = await emu.arm("GET", result.pathname + result.search);
    for (let n = 0; n < 50 && res.status === 202; n++)
      res = await emu.arm("GET", result.pathname + result.search);
    expect(res.status).toBe(200);
    expect(res.text).toBe("");
    expect((await emu.arm("PUT", rg, { location: "eastus" })).status).toBe(201);
    const again = await emu.arm("GET", result.pathname + result.search);
    expect(again.status).toBe(200);
    expect(again.text).toBe("");
  });

  it("deletes as a long-running operation the SDK polls to completion", async () => {
    await resources.resourceGroups.createOrUpdate("rg-del", { location: "eastus" });
    const raw = await emu.arm(
      "DELETE",
      `/subscriptions/${emu.subscriptionId}/resourcegroups/rg-del2?api-version=2021-04-01`,
    );
    // Absent group: ARM answers 404 ResourceGroupNotFound (ResourceGroups_Delete has no 204).
    expect(raw.status).toBe(404);
    expect((raw.body as { error: { code: string } }).error.code).toBe("ResourceGroupNotFound");
    await resources.resourceGroups.beginDeleteAndWait("rg-del");
    const e = await errorOf(resources.resourceGroups.get("rg-del"));
    expect(e.statusCode).toBe(404);
    expect(e.code).toBe("ResourceGroupNotFound");
  });
});

describe("ARM protocol", () => {
  const rgPath = () => `/subscriptions/${emu.subscriptionId}/resourcegroups/proto`;

  it("requires a bearer token", async () => {
    const res = await fetch(`${emu.url}${rgPath()}?api-version=2021-04-01`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("AuthenticationFailed");
    const bad = await fetch(`${emu.url}${rgPath()}?api-version=2021-04-01`, {
      headers: { authorization: "Bearer nope" },
    });
    expect(bad.status).toBe(401);
  });

  it("keeps a tenant's token out of another tenant's subscription", async () => {
    const other = "11111111-2222-4333-8444-555555555555";
    const mine = await emu.arm("GET", `/subscriptions/${other}/resourcegroups?api-version=2021-04-01`);
    expect(mine.status).toBe(401);
    expect((mine.body as { error: { code: string } }).error.code).toBe("InvalidAuthenticationTokenTenant");
    const t = await emu.token("99999999-8888-4777-8666-555555555555");
    const res = await fetch(`${emu.url}/subscriptions/${other}/resourcegroups?api-version=2021-04-01`, {
      headers: { authorization: `Bearer ${t}` },
    });
    expect(res.status).toBe(200);
    const unknown = await emu.arm(
      "GET",
      "/subscriptions/00000000-0000-4000-8000-000000000000/resourcegroups?api-version=2021-04-01",
    );
    expect(unknown.status).toBe(404);
    expect((unknown.body as { error: { code: string } }).error.code).toBe("SubscriptionNotFound");
  });

  it("checks api-version", async () => {
    const missing = await emu.arm("GET", rgPath());
    expect(missing.status).toBe(400);
    expect((missing.body as { error: { code: string } }).error.code).toBe("MissingApiVersionParameter");
    const wrong = await emu.arm("GET", `${rgPath()}?api-version=1999-01-01`);
    expect(wrong.status).toBe(400);
    const err = (wrong.body as { error: { code: string; message: string } }).error;
    expect(err.code).toBe("InvalidApiVersionParameter");
    expect(err.message).toContain("2021-04-01");
  });

  it("rejects malformed JSON and wrong types without changing anything", async () => {
    const res = await emu.arm("PUT", `${rgPath()}?api-version=2021-04-01`, "{not json");
    expect(res.status).toBe(400);
    expect((res.body as { error: { code: string } }).error.code).toBe("InvalidRequestContent");
    const res2 = await emu.arm("PUT", `${rgPath()}?api-version=2021-04-01`, { location: 5 });
    expect(res2.status).toBe(400);
    const after = await emu.arm("GET", `${rgPath()}?api-version=2021-04-01`);
    expect(after.status).toBe(404);
  });

  it("honours If-Match / If-None-Match", async () => {
    const put = await emu.arm(
      "PUT",
      `${rgPath()}?api-version=2021-04-01`,
      { location: "eastus" },
      { "if-none-match": "*" },
    );
    expect(put.status).toBe(201);
    const again = await emu.arm(
      "PUT",
      `${rgPath()}?api-version=2021-04-01`,
      { location: "eastus" },
      { "if-none-match": "*" },
    );
    expect(again.status).toBe(412);
    expect((again.body as { error: { code: string } }).error.code).toBe("PreconditionFailed");
    const wrongEtag = await emu.arm(
      "PUT",
      `${rgPath()}?api-version=2021-04-01`,
      { location: "eastus" },
      { "if-match": '"nope"' },
    );
    expect(wrongEtag.status).toBe(412);
    const both = await emu.arm(
      "PUT",
      `${rgPath()}?api-version=2021-04-01`,
      { location: "eastus" },
      { "if-match": "*", "if-none-match": "*" },
    );
    expect(both.status).toBe(400);
  });

  it("tolerates double slashes and any casing in paths", async () => {
    const res = await emu.arm(
      "GET",
      `//subscriptions/${emu.subscriptionId.toUpperCase()}//RESOURCEGROUPS/PROTO?api-version=2021-04-01`,
    );
    expect(res.status).toBe(200);
    expect((res.body as { name: string }).name).toBe("proto");
  });

  it("serves metadata endpoints and subscriptions", async () => {
    const md = await fetch(`${emu.url}//metadata/endpoints?api-version=2015-01-01`);
    expect(md.status).toBe(200);
    const subs = await emu.arm("GET", "/subscriptions?api-version=2022-12-01");
    expect((subs.body as { value: { subscriptionId: string }[] }).value.map((s) => s.subscriptionId)).toEqual(
      [emu.subscriptionId],
    );
  });
});

describe("features through @azure/arm-features", () => {
  it("registers a preview flag: Registering, then Registered", async () => {
    const client = new FeatureClient(emu.credential, emu.subscriptionId, emu.clientOptions);
    const before = await client.features.get("Microsoft.ContainerService", "StaticEgressGatewayPreview");
    expect(before.properties?.state).toBe("NotRegistered");
    const reg = await client.features.register("Microsoft.ContainerService", "StaticEgressGatewayPreview");
    expect(reg.properties?.state).toBe("Registering");
    expect(reg.name).toBe("Microsoft.ContainerService/StaticEgressGatewayPreview");
    const after = await client.features.get("Microsoft.ContainerService", "staticegressgatewaypreview");
    expect(after.properties?.state).toBe("Registered");
    const all: string[] = [];
    for await (const f of client.features.list("Microsoft.ContainerService"))
      all.push(`${f.name}=${f.properties?.state}`);
    expect(all).toContain("Microsoft.ContainerService/StaticEgressGatewayPreview=Registered");
    const un = await client.features.unregister("Microsoft.ContainerService", "StaticEgressGatewayPreview");
    expect(un.properties?.state).toBe("Unregistering");
  });

  it("gates namespaces on provider registration", async () => {
    const un = await emu.arm(
      "POST",
      `/subscriptions/${emu.subscriptionId}/providers/Microsoft.Features/unregister?api-version=2021-04-01`,
    );
    expect(un.status).toBe(200);
    const r = await emu.arm(
      "GET",
      `/subscriptions/${emu.subscriptionId}/providers/Microsoft.Features?api-version=2021-04-01`,
    );
    expect((r.body as { registrationState: string }).registrationState).toBe("NotRegistered");
    const reg = await emu.arm(
      "POST",
      `/subscriptions/${emu.subscriptionId}/providers/Microsoft.Features/register?api-version=2021-04-01`,
    );
    expect((reg.body as { registrationState: string }).registrationState).toBe("Registered");
  });
});
