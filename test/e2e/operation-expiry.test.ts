// Finished operation records expire (issue 8 item 10): ARM keeps operation URLs valid for a
// bounded time; here --operation-retention is 1.5 s so the purge is seen within the test.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator({ operationRetentionMs: 1500 });
});
afterAll(async () => {
  await emu?.close();
});

describe("operation records", () => {
  it("stay readable while fresh, then answer 404 and leave the table", async () => {
    const sub = `/subscriptions/${emu.subscriptionId}`;
    const rg = `${sub}/resourcegroups/exp?api-version=2021-04-01`;
    expect((await emu.arm("PUT", rg, { location: "eastus" })).status).toBe(201);
    const del = await emu.arm("DELETE", rg);
    expect(del.status).toBe(202);
    const statusUrl = new URL(del.headers.get("azure-asyncoperation") as string);
    const path = statusUrl.pathname + statusUrl.search;
    let status = "InProgress";
    for (const until = Date.now() + 5000; status === "InProgress" && Date.now() < until; )
      status = ((await emu.arm("GET", path)).body as { status: string }).status;
    expect(status).toBe("Succeeded");
    const id = statusUrl.pathname.split("/").pop() as string;
    expect(await emu.store.read((tx) => tx.getOperation(id))).toBeDefined();
    let gone = 200;
    for (const until = Date.now() + 8000; gone === 200 && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 200));
      gone = (await emu.arm("GET", path)).status;
    }
    expect(gone).toBe(404);
    expect(await emu.store.read((tx) => tx.getOperation(id))).toBeUndefined();
  });
});
