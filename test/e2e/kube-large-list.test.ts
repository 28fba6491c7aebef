// Lists of more than a few hundred objects are read in pages and serialised in slices, then
// streamed: the answers stay exactly what a one-block answer was (JSON list, kubectl's Table,
// metadata-only), and `limit`/`continue` pages seek the store's key in one namespace and
// across namespaces. (How long the event loop is held is measured in bench/kube.mjs.)

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import {
  createCluster,
  type KubeCluster,
  kube,
  kubectl,
  type Obj,
  startKubeEmulator,
} from "../kube/kube-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;
const N = 1200;
const pad = (i: number) => String(i).padStart(4, "0");

beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await createCluster(emu, "biglist", "1.33");
  // Two namespaces; objects written straight to the store to keep the setup quick.
  expect((await kube(c, "POST", "/api/v1/namespaces", { metadata: { name: "other" } })).status).toBe(201);
  await emu.store.transaction(async (tx) => {
    for (let i = 0; i < N; i++)
      for (const ns of ["default", "other"]) {
        const name = `cm-${pad(i)}`;
        await tx.putObject(
          {
            cluster: c.uid,
            resource: "core/configmaps",
            namespace: ns,
            name,
            body: {
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: { name, namespace: ns, uid: `${ns}-${i}`, creationTimestamp: "2026-01-01T00:00:00Z" },
              data: { i: String(i) },
            },
          },
          { create: true },
        );
      }
  });
});
afterAll(async () => {
  await emu?.close();
});

describe("large lists", () => {
  it("JSON, Table and metadata-only answers carry every object, in key order", async () => {
    const l = await kube(c, "GET", "/api/v1/namespaces/default/configmaps");
    expect(l.status).toBe(200);
    expect(l.headers.get("content-type")).toBe("application/json");
    const body = l.body as Obj;
    expect(body.kind).toBe("ConfigMapList");
    expect(body.apiVersion).toBe("v1");
    expect(Number(body.metadata.resourceVersion)).toBeGreaterThan(0);
    // Every namespace also holds kube-root-ca.crt, which sorts after them.
    expect(body.items).toHaveLength(N + 1);
    expect(body.items.map((x: Obj) => x.metadata.name)).toEqual([
      ...Array.from({ length: N }, (_, i) => `cm-${pad(i)}`),
      "kube-root-ca.crt",
    ]);
    expect(body.items[7]).toMatchObject({ apiVersion: "v1", kind: "ConfigMap", data: { i: "7" } });

    const tab = await kube(c, "GET", "/api/v1/namespaces/default/configmaps", undefined, {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
    });
    const t = tab.body as Obj;
    expect(t.kind).toBe("Table");
    expect(t.columnDefinitions.map((x: Obj) => x.name)).toEqual(["Name", "Data", "Age"]);
    expect(t.rows).toHaveLength(N + 1);
    expect(t.rows[N - 1].cells.slice(0, 2)).toEqual([`cm-${pad(N - 1)}`, 1]);

    const part = await kube(c, "GET", "/api/v1/namespaces/default/configmaps", undefined, {
      accept: "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io",
    });
    const p = part.body as Obj;
    expect(p.kind).toBe("PartialObjectMetadataList");
    expect(p.items).toHaveLength(N + 1);
    expect(p.items[0]).toEqual({
      kind: "PartialObjectMetadata",
      apiVersion: "meta.k8s.io/v1",
      metadata: expect.objectContaining({ name: "cm-0000", namespace: "default" }),
    });

    const all = await kube(c, "GET", "/api/v1/configmaps");
    expect((all.body as Obj).items.filter((x: Obj) => x.metadata.name.startsWith("cm-"))).toHaveLength(2 * N);
  });

  it("limit/continue pages in one namespace and across namespaces", async () => {
    for (const path of ["/api/v1/namespaces/default/configmaps", "/api/v1/configmaps"]) {
      const seen: string[] = [];
      const remaining: (number | undefined)[] = [];
      let cont = "";
      for (let i = 0; i < 20; i++) {
        const r = await kube(
          c,
          "GET",
          `${path}?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ""}`,
        );
        expect(r.status).toBe(200);
        const b = r.body as Obj;
        seen.push(...b.items.map((x: Obj) => `${x.metadata.namespace}/${x.metadata.name}`));
        cont = b.metadata.continue ?? "";
        remaining.push(b.metadata.remainingItemCount);
        if (!cont) break;
      }
      const want = ((await kube(c, "GET", path)).body as Obj).items.map(
        (x: Obj) => `${x.metadata.namespace}/${x.metadata.name}`,
      );
      expect(seen).toEqual(want);
      // Each page but the last counts what is left after it; the last has none.
      expect(remaining).toEqual(
        remaining.map((_, i) => (i === remaining.length - 1 ? undefined : want.length - 500 * (i + 1))),
      );
      expect(new Set(seen).size).toBe(seen.length);
    }
  });

  it("kubectl get pages through them (--chunk-size) and counts every row", async () => {
    const r = await kubectl(c, ["get", "configmaps", "-A", "--no-headers", "--chunk-size=300"]);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split("\n");
    expect(rows.filter((l) => /\scm-\d{4}\s/.test(l))).toHaveLength(2 * N);
  });

  it("a filtered page does not count what is left (the storage cannot without filtering)", async () => {
    const r = await kube(c, "GET", "/api/v1/configmaps?limit=5&labelSelector=nope!=x");
    expect((r.body as Obj).metadata.continue).toBeTruthy();
    expect((r.body as Obj).metadata.remainingItemCount).toBeUndefined();
  });
});
