// The Kubernetes face over raw HTTP, where kubectl hides the wire: watch resume, 410 Gone,
// bookmarks and timeouts; dry-run; status subresource and generation; fieldValidation;
// finalizers and owner-reference garbage collection; tables; aggregated discovery; Status errors.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import { createCluster, type KubeCluster, kube, type Obj, startKubeEmulator } from "../kube/kube-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;

beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await createCluster(emu, "raw", "1.31");
});
afterAll(async () => {
  await emu?.close();
});

const cm = (name: string, data: Record<string, string> = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name },
  data,
});

/** Reads newline-delimited watch events until `n` arrived or the stream ends. */
async function watchEvents(p: string, n: number, act?: () => Promise<void>, ms = 5000): Promise<Obj[]> {
  const ac = new AbortController();
  const res = await fetch(`${c.server}${p}`, {
    headers: { authorization: `Bearer ${c.token}` },
    signal: ac.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const out: Obj[] = [];
  let buf = "";
  const timer = setTimeout(() => ac.abort(), ms);
  let acted = false;
  try {
    while (out.length < n) {
      if (act && !acted) {
        acted = true;
        void act();
      }
      const { done, value } = await reader.read();
      if (done) break;
      buf += Buffer.from(value).toString("utf8");
      let i = buf.indexOf("\n");
      while (i >= 0) {
        out.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
        i = buf.indexOf("\n");
      }
    }
  } catch {
    // aborted
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return out;
}

describe("watch", () => {
  it("resumes after a resourceVersion, in order, with the store revision as resourceVersion", async () => {
    const a = await kube(c, "POST", "/api/v1/namespaces/default/configmaps", cm("wa"));
    const rv = (a.body as Obj).metadata.resourceVersion;
    const b = await kube(c, "POST", "/api/v1/namespaces/default/configmaps", cm("wb"));
    await kube(c, "DELETE", "/api/v1/namespaces/default/configmaps/wa");
    const ev = await watchEvents(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`, 2);
    expect(ev.map((e) => [e.type, e.object.metadata.name])).toEqual([
      ["ADDED", "wb"],
      ["DELETED", "wa"],
    ]);
    expect(ev[0].object.metadata.resourceVersion).toBe((b.body as Obj).metadata.resourceVersion);
    expect(Number(ev[1].object.metadata.resourceVersion)).toBeGreaterThan(
      Number(ev[0].object.metadata.resourceVersion),
    );
  });

  it("label selectors turn a relabel into ADDED/DELETED as kube-apiserver does", async () => {
    const ev = await watchEvents(
      "/api/v1/namespaces/default/configmaps?watch=1&labelSelector=app%3Dx",
      2,
      async () => {
        await kube(c, "POST", "/api/v1/namespaces/default/configmaps", {
          ...cm("sel"),
          metadata: { name: "sel", labels: { app: "x" } },
        });
        await kube(
          c,
          "PATCH",
          "/api/v1/namespaces/default/configmaps/sel",
          { metadata: { labels: { app: "y" } } },
          { "content-type": "application/merge-patch+json" },
        );
      },
    );
    expect(ev.map((e) => [e.type, e.object.metadata.name])).toEqual([
      ["ADDED", "sel"],
      ["DELETED", "sel"],
    ]);
  });

  it("answers 410 Gone (an ERROR event with an Expired Status) for a compacted resourceVersion", async () => {
    const rev = await emu.store.currentRevision();
    await kube(c, "POST", "/api/v1/namespaces/default/configmaps", cm("after-compact"));
    await emu.store.compact(rev);
    const ev = await watchEvents("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1", 1);
    expect(ev).toHaveLength(1);
    expect(ev[0].type).toBe("ERROR");
    expect(ev[0].object).toMatchObject({ kind: "Status", status: "Failure", reason: "Expired", code: 410 });
    expect(ev[0].object.message).toMatch(/^too old resource version: 1 \(\d+\)$/);
  });

  it("ends at timeoutSeconds", async () => {
    const t0 = Date.now();
    const ev = await watchEvents(
      "/api/v1/namespaces/kube-system/configmaps?watch=true&timeoutSeconds=1&labelSelector=none%3Dnone",
      99,
      undefined,
      5000,
    );
    expect(ev).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  it("a timeoutSeconds of a month keeps the watch open (not ended at once); a malformed one is 400", async () => {
    const ev = await watchEvents(
      "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=2592000&resourceVersion=0",
      99,
      async () => {
        await new Promise((r) => setTimeout(r, 300));
        await kube(c, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "long-watch" } });
      },
      1500,
    );
    expect(ev.map((e) => [e.type, e.object.metadata.name])).toContainEqual(["ADDED", "long-watch"]);
    for (const bad of ["abc", "0.5", "99999999999999999999"]) {
      const r = await kube(
        c,
        "GET",
        `/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=${bad}`,
      );
      expect([bad, r.status]).toEqual([bad, 400]);
    }
  });

  it("limit takes any int64: the largest lists everything; beyond int64 is 400, never 500", async () => {
    const all = await kube(c, "GET", "/api/v1/namespaces/kube-system/configmaps?limit=9223372036854775807");
    expect(all.status).toBe(200);
    const plain = await kube(c, "GET", "/api/v1/namespaces/kube-system/configmaps");
    expect((all.body as Obj).items.length).toBe((plain.body as Obj).items.length);
    const over = await kube(c, "GET", "/api/v1/namespaces/kube-system/configmaps?limit=99999999999999999999");
    expect([over.status, (over.body as Obj).reason]).toEqual([400, "BadRequest"]);
  });
});

describe("writes", () => {
  it("dryRun=All validates and answers without storing", async () => {
    const r = await kube(c, "POST", "/api/v1/namespaces/default/configmaps?dryRun=All", cm("dry"));
    expect(r.status).toBe(201);
    expect((r.body as Obj).metadata.name).toBe("dry");
    expect((await kube(c, "GET", "/api/v1/namespaces/default/configmaps/dry")).status).toBe(404);
  });

  it("generateName, uid, creationTimestamp; AlreadyExists; Invalid with causes", async () => {
    const r = await kube(c, "POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { generateName: "gen-" },
    });
    expect((r.body as Obj).metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect((r.body as Obj).metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const again = await kube(c, "POST", "/api/v1/namespaces/default/configmaps", cm("dup"));
    expect(again.status).toBe(201);
    const dup = await kube(c, "POST", "/api/v1/namespaces/default/configmaps", cm("dup"));
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ reason: "AlreadyExists", message: 'configmaps "dup" already exists' });
    const bad = await kube(c, "POST", "/api/v1/namespaces/default/configmaps", cm("Bad_Name"));
    expect(bad.status).toBe(422);
    expect((bad.body as Obj).details.causes[0]).toMatchObject({
      reason: "FieldValueInvalid",
      field: "metadata.name",
    });
  });

  it("fieldValidation: Strict refuses unknown fields, Warn answers a Warning header", async () => {
    const body = { ...cm("fv"), spec: { nope: 1 } };
    const strict = await kube(
      c,
      "POST",
      "/api/v1/namespaces/default/configmaps?fieldValidation=Strict",
      body,
    );
    expect(strict.status).toBe(400);
    expect((strict.body as Obj).message).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "spec"',
    );
    // A patch is decoded by patch.go, which words it without the kind.
    await kube(c, "POST", "/api/v1/namespaces/default/configmaps", cm("fvp"));
    const patched = await kube(
      c,
      "PATCH",
      "/api/v1/namespaces/default/configmaps/fvp?fieldValidation=Strict",
      { spec: { nope: 1 } },
      { "content-type": "application/merge-patch+json" },
    );
    expect([patched.status, (patched.body as Obj).message]).toEqual([
      400,
      'strict decoding error: unknown field "spec"',
    ]);
    // A replace of an object made again under the same name: its UID is a storage precondition,
    // answered before the stale resourceVersion.
    const first = (await kube(c, "GET", "/api/v1/namespaces/default/configmaps/fvp")).body as Obj;
    await kube(c, "DELETE", "/api/v1/namespaces/default/configmaps/fvp");
    const again = (await kube(c, "POST", "/api/v1/namespaces/default/configmaps", cm("fvp"))).body as Obj;
    const replaced = await kube(c, "PUT", "/api/v1/namespaces/default/configmaps/fvp", first);
    expect([replaced.status, (replaced.body as Obj).message]).toEqual([
      409,
      `Operation cannot be fulfilled on configmaps "fvp": Precondition failed: UID in precondition: ${first.metadata.uid}, UID in object meta: ${again.metadata.uid}`,
    ]);
    const warn = await kube(c, "POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Warn", body);
    expect(warn.status).toBe(201);
    expect(warn.headers.get("warning")).toBe('299 - "unknown field \\"spec\\""');
    expect((warn.body as Obj).spec).toBeUndefined();
  });

  it("status is its own subresource; generation counts spec changes only", async () => {
    const d = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "gen" },
      spec: {
        selector: { matchLabels: { a: "b" } },
        template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } },
      },
      status: { replicas: 7 },
    };
    const created = (await kube(c, "POST", "/apis/apps/v1/namespaces/default/deployments", d)).body as Obj;
    expect(created.status).toBeUndefined();
    expect(created.metadata.generation).toBe(1);
    // No resourceVersion: the deployment controller may have written status meanwhile.
    const st = await kube(c, "PUT", "/apis/apps/v1/namespaces/default/deployments/gen/status", {
      ...created,
      metadata: { ...created.metadata, resourceVersion: undefined },
      status: { replicas: 3 },
      spec: { ...created.spec, replicas: 9 },
    });
    expect((st.body as Obj).status).toEqual({ replicas: 3 });
    // spec.replicas stays what create defaulted it to (1), not the 9 sent to /status.
    expect((st.body as Obj).spec.replicas).toBe(1);
    expect((st.body as Obj).metadata.generation).toBe(1);
    const lab = await kube(
      c,
      "PATCH",
      "/apis/apps/v1/namespaces/default/deployments/gen",
      { metadata: { labels: { x: "y" } } },
      { "content-type": "application/merge-patch+json" },
    );
    expect((lab.body as Obj).metadata.generation).toBe(1);
    const scale = await kube(
      c,
      "PATCH",
      "/apis/apps/v1/namespaces/default/deployments/gen/scale",
      { spec: { replicas: 5 } },
      { "content-type": "application/merge-patch+json" },
    );
    expect(scale.body).toMatchObject({
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      spec: { replicas: 5 },
      status: { replicas: 3, selector: "a=b" },
    });
    const after = (await kube(c, "GET", "/apis/apps/v1/namespaces/default/deployments/gen")).body as Obj;
    expect([after.spec.replicas, after.metadata.generation]).toEqual([5, 2]);
  });

  it("strategic merge patch directives: $patch delete, $retainKeys, $deleteFromPrimitiveList, $setElementOrder", async () => {
    // A Deployment's pod template (a Pod's own containers may not change after creation).
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "smp", finalizers: ["a/b", "c/d"] },
      spec: {
        selector: { matchLabels: { app: "smp" } },
        template: {
          metadata: { labels: { app: "smp" } },
          spec: {
            containers: [
              { name: "a", image: "x" },
              { name: "b", image: "y" },
              { name: "c", image: "z" },
            ],
          },
        },
      },
    };
    await kube(c, "POST", "/apis/apps/v1/namespaces/default/deployments", deployment);
    const r = await kube(
      c,
      "PATCH",
      "/apis/apps/v1/namespaces/default/deployments/smp",
      {
        metadata: { "$deleteFromPrimitiveList/finalizers": ["a/b"] },
        spec: {
          template: {
            spec: {
              "$setElementOrder/containers": [{ name: "c" }, { name: "a" }],
              containers: [
                { name: "b", $patch: "delete" },
                { name: "c", image: "z2" },
              ],
            },
          },
        },
      },
      { "content-type": "application/strategic-merge-patch+json" },
    );
    expect(r.status).toBe(200);
    const b = r.body as Obj;
    expect(b.spec.template.spec.containers.map((x: Obj) => `${x.name}=${x.image}`)).toEqual(["c=z2", "a=x"]);
    expect(b.metadata.finalizers).toEqual(["c/d"]);
  });
});

describe("list options", () => {
  it("are validated as ValidateListOptions does; the store serves only its current revision", async () => {
    const base = "/api/v1/namespaces/default/configmaps";
    const bad = await kube(c, "GET", `${base}?resourceVersionMatch=Frob&continue=x`);
    expect([bad.status, (bad.body as Obj).message]).toEqual([
      422,
      'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided, resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided, resourceVersionMatch: Unsupported value: "Frob": supported values: "Exact", "NotOlderThan", ""]',
    ]);
    const zero = await kube(c, "GET", `${base}?resourceVersion=0&resourceVersionMatch=Exact`);
    expect((zero.body as Obj).message).toBe(
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
    );
    const watchMatch = await kube(
      c,
      "GET",
      `${base}?watch=1&resourceVersion=1&resourceVersionMatch=NotOlderThan`,
    );
    expect(watchMatch.status).toBe(422);
    const now = Number(((await kube(c, "GET", base)).body as Obj).metadata.resourceVersion);
    const ahead = await kube(
      c,
      "GET",
      `${base}?resourceVersion=${now + 1000000}&resourceVersionMatch=NotOlderThan`,
    );
    expect([ahead.status, (ahead.body as Obj).reason, (ahead.body as Obj).details]).toEqual([
      504,
      "Timeout",
      {
        causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
        retryAfterSeconds: 1,
      },
    ]);
    const old = await kube(c, "GET", `${base}?resourceVersion=1&resourceVersionMatch=Exact`);
    expect([old.status, (old.body as Obj).message]).toEqual([
      410,
      "The resourceVersion for the provided list is too old.",
    ]);
    expect((await kube(c, "GET", `${base}?resourceVersion=1&resourceVersionMatch=NotOlderThan`)).status).toBe(
      200,
    );
  });
});

describe("a write must name its object", () => {
  it("a patch that removes the name is refused (checkName), the labels untouched", async () => {
    await kube(c, "POST", "/api/v1/namespaces/default/configmaps", {
      ...cm("named"),
      metadata: { name: "named", labels: { x: "y" } },
    });
    const path = "/api/v1/namespaces/default/configmaps/named";
    const msg = "the name of the object () does not match the name on the URL (named)";
    for (const [body, type] of [
      [[{ op: "remove", path: "/metadata" }], "application/json-patch+json"],
      [[{ op: "remove", path: "/metadata/name" }], "application/json-patch+json"],
      [{ metadata: { name: null } }, "application/merge-patch+json"],
    ] as const) {
      const r = await kube(c, "PATCH", path, body, { "content-type": type });
      expect([r.status, (r.body as Obj).message]).toEqual([400, msg]);
    }
    expect(((await kube(c, "GET", path)).body as Obj).metadata.labels).toEqual({ x: "y" });
  });
});

describe("validation kube-apiserver does on these kinds", () => {
  it("a Service name is a DNS-1035 label (it must start with a letter)", async () => {
    const r = await kube(c, "POST", "/api/v1/namespaces/default/services", {
      metadata: { name: "1abc" },
      spec: { ports: [{ port: 80 }] },
    });
    expect([r.status, (r.body as Obj).message]).toEqual([
      422,
      "Service \"1abc\" is invalid: metadata.name: Invalid value: \"1abc\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ]);
  });

  it("on the host network a container port is its host port: defaulted so, and refused otherwise", async () => {
    const pod = (name: string, port: Obj) => ({
      metadata: { name },
      spec: { hostNetwork: true, containers: [{ name: "c", image: "nginx", ports: [port] }] },
    });
    const ok = await kube(
      c,
      "POST",
      "/api/v1/namespaces/default/pods",
      pod("hostnet", { containerPort: 8080 }),
    );
    expect([ok.status, (ok.body as Obj).spec.containers[0].ports[0]]).toEqual([
      201,
      { containerPort: 8080, hostPort: 8080, protocol: "TCP" },
    ]);
    const bad = await kube(
      c,
      "POST",
      "/api/v1/namespaces/default/pods",
      pod("hostnet2", { containerPort: 80, hostPort: 81 }),
    );
    expect([bad.status, (bad.body as Obj).message]).toEqual([
      422,
      'Pod "hostnet2" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 80: must match `hostPort` when `hostNetwork` is true',
    ]);
  });

  it("an immutable ConfigMap or Secret keeps its contents and stays immutable", async () => {
    const cm = await kube(c, "POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: "frozen" },
      data: { a: "1" },
      immutable: true,
    });
    expect(cm.status).toBe(201);
    const patch = (kind: string, body: Obj) =>
      kube(c, "PATCH", `/api/v1/namespaces/default/${kind}/frozen`, body, {
        "content-type": "application/merge-patch+json",
      });
    const change = await patch("configmaps", { data: { a: "2" } });
    expect([change.status, (change.body as Obj).message]).toEqual([
      422,
      'ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set',
    ]);
    const thaw = await patch("configmaps", { immutable: false });
    expect((thaw.body as Obj).message).toBe(
      'ConfigMap "frozen" is invalid: immutable: Forbidden: field is immutable when `immutable` is set',
    );
    expect((await patch("configmaps", { metadata: { labels: { a: "b" } } })).status).toBe(200);
    await kube(c, "POST", "/api/v1/namespaces/default/secrets", {
      metadata: { name: "frozen" },
      data: { a: "MQ==" },
      immutable: true,
    });
    const s2 = await patch("secrets", { data: { a: "Mg==" } });
    expect([s2.status, (s2.body as Obj).message]).toEqual([
      422,
      'Secret "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set',
    ]);
  });
});

describe("deletion", () => {
  it("finalizers hold an object with a deletionTimestamp until they are removed", async () => {
    await kube(c, "POST", "/api/v1/namespaces/default/configmaps", {
      ...cm("fin"),
      metadata: { name: "fin", finalizers: ["example.com/hold"] },
    });
    const del = await kube(c, "DELETE", "/api/v1/namespaces/default/configmaps/fin");
    expect(del.status).toBe(200);
    expect((del.body as Obj).metadata.deletionTimestamp).toMatch(/Z$/);
    expect((await kube(c, "GET", "/api/v1/namespaces/default/configmaps/fin")).status).toBe(200);
    const rm = await kube(
      c,
      "PATCH",
      "/api/v1/namespaces/default/configmaps/fin",
      [{ op: "remove", path: "/metadata/finalizers" }],
      { "content-type": "application/json-patch+json" },
    );
    expect(rm.status).toBe(200);
    expect((await kube(c, "GET", "/api/v1/namespaces/default/configmaps/fin")).status).toBe(404);
  });

  it("garbage-collects dependents in the background, orphans them on Orphan, waits for them on Foreground", async () => {
    const owner = (await kube(c, "POST", "/api/v1/namespaces/default/configmaps", cm("owner"))).body as Obj;
    const ref = [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata.uid }];
    await kube(c, "POST", "/api/v1/namespaces/default/configmaps", {
      ...cm("dep1"),
      metadata: { name: "dep1", ownerReferences: ref },
    });
    expect((await kube(c, "DELETE", "/api/v1/namespaces/default/configmaps/owner")).status).toBe(200);
    let gone = false;
    for (let i = 0; i < 50 && !gone; i++) {
      gone = (await kube(c, "GET", "/api/v1/namespaces/default/configmaps/dep1")).status === 404;
      if (!gone) await new Promise((r) => setTimeout(r, 50));
    }
    expect(gone).toBe(true);

    const o2 = (await kube(c, "POST", "/api/v1/namespaces/default/configmaps", cm("owner2"))).body as Obj;
    await kube(c, "POST", "/api/v1/namespaces/default/configmaps", {
      ...cm("dep2"),
      metadata: { name: "dep2", ownerReferences: [{ ...ref[0], name: "owner2", uid: o2.metadata.uid }] },
    });
    await kube(c, "DELETE", "/api/v1/namespaces/default/configmaps/owner2?propagationPolicy=Orphan");
    await new Promise((r) => setTimeout(r, 200));
    const dep2 = (await kube(c, "GET", "/api/v1/namespaces/default/configmaps/dep2")).body as Obj;
    expect(dep2.metadata.ownerReferences).toBeUndefined();
    // The older spelling, as a query parameter read as kube-apiserver reads booleans ("yes" is true).
    const o2b = (await kube(c, "POST", "/api/v1/namespaces/default/configmaps", cm("owner2b"))).body as Obj;
    await kube(c, "POST", "/api/v1/namespaces/default/configmaps", {
      ...cm("dep2b"),
      metadata: { name: "dep2b", ownerReferences: [{ ...ref[0], name: "owner2b", uid: o2b.metadata.uid }] },
    });
    await kube(c, "DELETE", "/api/v1/namespaces/default/configmaps/owner2b?orphanDependents=yes");
    await new Promise((r) => setTimeout(r, 200));
    const dep2b = (await kube(c, "GET", "/api/v1/namespaces/default/configmaps/dep2b")).body as Obj;
    expect(dep2b.metadata.ownerReferences).toBeUndefined();

    const o3 = (await kube(c, "POST", "/api/v1/namespaces/default/configmaps", cm("owner3"))).body as Obj;
    await kube(c, "POST", "/api/v1/namespaces/default/configmaps", {
      ...cm("dep3"),
      metadata: { name: "dep3", ownerReferences: [{ ...ref[0], name: "owner3", uid: o3.metadata.uid }] },
    });
    const fg = await kube(c, "DELETE", "/api/v1/namespaces/default/configmaps/owner3", {
      propagationPolicy: "Foreground",
    });
    expect((fg.body as Obj).metadata.finalizers).toEqual(["foregroundDeletion"]);
    let both = false;
    for (let i = 0; i < 50 && !both; i++) {
      both =
        (await kube(c, "GET", "/api/v1/namespaces/default/configmaps/dep3")).status === 404 &&
        (await kube(c, "GET", "/api/v1/namespaces/default/configmaps/owner3")).status === 404;
      if (!both) await new Promise((r) => setTimeout(r, 50));
    }
    expect(both).toBe(true);
  });

  it("namespaces have no deletecollection: DELETE of the collection is 405 and deletes nothing", async () => {
    expect((await kube(c, "POST", "/api/v1/namespaces", { metadata: { name: "aaa-keep" } })).status).toBe(
      201,
    );
    const r = await kube(c, "DELETE", "/api/v1/namespaces");
    expect([r.status, (r.body as Obj).reason]).toEqual([405, "MethodNotAllowed"]);
    const sel = await kube(
      c,
      "DELETE",
      "/api/v1/namespaces?labelSelector=kubernetes.io/metadata.name%3Daaa-keep",
    );
    expect(sel.status).toBe(405);
    const ns = await kube(c, "GET", "/api/v1/namespaces/aaa-keep");
    expect([ns.status, (ns.body as Obj).status.phase]).toEqual([200, "Active"]);
  });

  it("refuses to delete the default namespace and to create in a terminating one", async () => {
    const r = await kube(c, "DELETE", "/api/v1/namespaces/default");
    expect(r.status).toBe(403);
    expect((r.body as Obj).message).toBe(
      'namespaces "default" is forbidden: this namespace may not be deleted',
    );
  });
});

describe("reads", () => {
  it("tables with includeObject, and the Status of a missing object", async () => {
    const t = await kube(
      c,
      "GET",
      "/api/v1/namespaces/default/configmaps?limit=1&includeObject=Object",
      undefined,
      {
        accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
      },
    );
    const tb = t.body as Obj;
    expect(tb.kind).toBe("Table");
    expect(tb.columnDefinitions.map((x: Obj) => x.name)).toEqual(["Name", "Data", "Age"]);
    expect(tb.rows[0].object.kind).toBe("ConfigMap");
    expect(typeof tb.metadata.continue).toBe("string");
    const nf = await kube(c, "GET", "/api/v1/namespaces/default/pods/web-1");
    expect(nf.body).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'pods "web-1" not found',
      reason: "NotFound",
      details: { name: "web-1", kind: "pods" },
      code: 404,
    });
  });

  it("aggregated discovery v2 and v2beta1, and the legacy documents", async () => {
    const v2 = await kube(c, "GET", "/apis", undefined, {
      accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
    });
    expect(v2.headers.get("content-type")).toBe(
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
    );
    const apps = (v2.body as Obj).items.find((g: Obj) => g.metadata.name === "apps");
    const dep = apps.versions[0].resources.find((r: Obj) => r.resource === "deployments");
    expect(dep).toMatchObject({
      scope: "Namespaced",
      singularResource: "deployment",
      shortNames: ["deploy"],
      responseKind: { group: "apps", version: "v1", kind: "Deployment" },
    });
    expect(dep.subresources.map((s: Obj) => s.subresource)).toEqual(["status", "scale"]);
    const beta = await kube(c, "GET", "/api", undefined, {
      accept: "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList",
    });
    expect((beta.body as Obj).apiVersion).toBe("apidiscovery.k8s.io/v2beta1");
    const legacy = await kube(c, "GET", "/api/v1");
    expect((legacy.body as Obj).resources.find((r: Obj) => r.name === "pods/eviction")).toEqual({
      name: "pods/eviction",
      singularName: "",
      namespaced: true,
      group: "policy",
      version: "v1",
      kind: "Eviction",
      verbs: ["create"],
    });
  });

  it("healthz/livez/readyz and /version answer without a token; everything else needs one", async () => {
    for (const p of ["/healthz", "/livez", "/readyz"])
      expect(await (await fetch(`${c.server}${p}`)).text()).toBe("ok");
    expect(((await (await fetch(`${c.server}/version`)).json()) as Obj).gitVersion).toBe("v1.31.13");
    expect((await fetch(`${c.server}/api`)).status).toBe(401);
    const unsupported = await kube(c, "PATCH", "/api/v1/namespaces/default/configmaps/dup", "{}", {
      "content-type": "text/plain",
    });
    expect(unsupported.status).toBe(415);
    expect((unsupported.body as Obj).reason).toBe("UnsupportedMediaType");
  });
});

describe("bad input", () => {
  it("never answers 5xx: deep nesting, garbage bodies, wrong types, unknown paths", async () => {
    let deep = "1";
    for (let i = 0; i < 5000; i++) deep = `{"a":${deep}}`;
    const nested = await kube(c, "PATCH", "/api/v1/namespaces/default/configmaps/dup", deep, {
      "content-type": "application/strategic-merge-patch+json",
    });
    expect(nested.status).toBe(400);
    expect((nested.body as Obj).message).toBe("json: exceeded max depth 1000");
    const bodies = [
      "{",
      "[]",
      "null",
      "42",
      '"s"',
      '{"metadata":[]}',
      '{"metadata":{"name":5}}',
      '{"spec":"x"}',
      '{"data":{"a":{"b":1}}}',
    ];
    const paths = [
      ["POST", "/api/v1/namespaces/default/configmaps"],
      ["PUT", "/api/v1/namespaces/default/configmaps/dup"],
      ["PATCH", "/api/v1/namespaces/default/configmaps/dup"],
      ["POST", "/apis/apps/v1/namespaces/default/deployments"],
      ["POST", "/api/v1/namespaces/default/pods/nope/binding"],
      ["DELETE", "/api/v1/namespaces/default/configmaps/dup?propagationPolicy=Sideways"],
      ["GET", "/api/v1/namespaces/default/configmaps?limit=x"],
      ["GET", "/api/v1/namespaces/default/configmaps?continue=%%%"],
      ["GET", "/apis/nope/v9/things"],
    ];
    for (const [m, p] of paths)
      for (const b of bodies) {
        const ct = m === "PATCH" ? "application/merge-patch+json" : "application/json";
        const r = await kube(c, m, p, m === "GET" || m === "DELETE" ? undefined : b, { "content-type": ct });
        expect(r.status, `${m} ${p} ${b}`).toBeLessThan(500);
        expect((r.body as Obj | undefined)?.kind ?? "Status", `${m} ${p} ${b}`).not.toBe(undefined);
      }
  });
});
