// The ReplicationController controller against the API in-process: an RC creates its pods by
// its selector map, reports status on the RC, scales through its scale subresource (what
// `kubectl scale rc` writes) and records its events as replication-controller. Without it RCs sat
// at 0 pods.
import type { Event, Pod, ReplicationController } from "kubernetes-types/core/v1.js";
import { afterEach, expect, it } from "vitest";
import { KubeApi } from "../../../src/kube/api.js";
import type { ResourceType } from "../../../src/kube/catalog.js";
import { ControllerContext } from "../../../src/kube/controllers/context.js";
import type { WorkQueue } from "../../../src/kube/controllers/queue.js";
import { syncReplicationController } from "../../../src/kube/controllers/replicationcontroller.js";
import { openStore } from "../../../src/store/open.js";
import type { Store } from "../../../src/store/types.js";

const C = "c1";
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function setup() {
  store = await openStore("sqlite::memory:");
  const api = new KubeApi(store);
  await api.ensureCluster(C);
  const queue: WorkQueue = { add: () => undefined, idle: async () => undefined, stop: () => undefined };
  const ctx = new ControllerContext(api, store, queue, () => undefined);
  const type = async (plural: string) =>
    (await api.types(C)).find((t) => t.plural === plural) as ResourceType;
  const [rcs, pods, events] = [
    await type("replicationcontrollers"),
    await type("pods"),
    await type("events"),
  ];
  // No feed runs here: the informer cache is listed afresh for each sync.
  const sync = async () => {
    ctx.cache.clear();
    await syncReplicationController(ctx, C, "default", "web");
  };
  const list = async <T>(t: ResourceType) => (await api.list(C, t, "default", {})).items as T[];
  return { api, rcs, pods, events, sync, list };
}

it("creates the RC's pods, reports its status, scales down through /scale, with upstream's events", async () => {
  const { api, rcs, pods, events, sync, list } = await setup();
  await api.create(
    C,
    rcs,
    "default",
    {
      apiVersion: "v1",
      kind: "ReplicationController",
      metadata: { name: "web" },
      spec: {
        replicas: 3,
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "c", image: "nginx" }] },
        },
      },
    },
    {},
  );
  await sync();
  const made = await list<Pod>(pods);
  // As calculateStatus: the status counts the pods the sync found; the next one counts these.
  await sync();
  expect(made).toHaveLength(3);
  const rc = (await api.get(C, rcs, "default", "web")) as ReplicationController;
  // The selector came from the template's labels (SetDefaults_ReplicationController).
  expect(rc.spec?.selector).toEqual({ app: "web" });
  for (const p of made)
    expect(p.metadata?.ownerReferences).toEqual([
      {
        apiVersion: "v1",
        kind: "ReplicationController",
        name: "web",
        uid: rc.metadata?.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  expect(rc.status).toEqual({
    replicas: 3,
    fullyLabeledReplicas: 3,
    readyReplicas: 0,
    availableReplicas: 0,
    observedGeneration: 1,
  });
  // The kubelet's part: every pod Running and Ready.
  for (const p of made)
    await api.update(
      C,
      pods,
      "default",
      p.metadata?.name ?? "",
      { ...p, status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] } },
      {},
      "status",
    );
  await sync();
  expect(((await api.get(C, rcs, "default", "web")) as ReplicationController).status).toMatchObject({
    replicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
  });
  // kubectl scale rc web --replicas=1: the scale subresource, whose selector is the map's.
  const scale = (await api.getScale(C, rcs, "default", "web")) as { status: { selector: string } };
  expect(scale.status.selector).toBe("app=web");
  await api.patch(C, rcs, "default", "web", "merge", { spec: { replicas: 1 } }, {}, "scale");
  await sync();
  expect((await list<Pod>(pods)).filter((p) => !p.metadata?.deletionTimestamp)).toHaveLength(1);
  const evs = (await list<Event>(events)).filter((e) => e.involvedObject.kind === "ReplicationController");
  expect(evs.map((e) => `${e.reason} ${e.source?.component}`).sort()).toEqual([
    "SuccessfulCreate replication-controller",
    "SuccessfulCreate replication-controller",
    "SuccessfulCreate replication-controller",
    "SuccessfulDelete replication-controller",
    "SuccessfulDelete replication-controller",
  ]);
  expect(
    evs.every((e) => e.involvedObject.uid === rc.metadata?.uid && e.involvedObject.apiVersion === "v1"),
  ).toBe(true);
});

it("an RC whose selector is empty, or misses the template's labels, is refused in kube-apiserver's words", async () => {
  const { api, rcs } = await setup();
  const body = (spec: object) => ({
    apiVersion: "v1",
    kind: "ReplicationController",
    metadata: { name: "bad" },
    spec,
  });
  const containers = [{ name: "c", image: "nginx" }];
  await expect(
    api.create(C, rcs, "default", body({ template: { spec: { containers } } }), {}),
  ).rejects.toMatchObject({
    code: 422,
    message: expect.stringContaining("spec.selector: Required value"),
  });
  await expect(
    api.create(
      C,
      rcs,
      "default",
      body({
        selector: { app: "a" },
        template: { metadata: { labels: { app: "b" } }, spec: { containers } },
      }),
      {},
    ),
  ).rejects.toMatchObject({
    code: 422,
    message: expect.stringContaining(
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`',
    ),
  });
});
