// The kubelet's node Lease heartbeat with the machine's real kubectl: `kubectl describe node`
// shows a Lease RenewTime that moves (renewed every 10 s, as the kubelet does), and the Lease is
// the kubelet's: holder the node, 40 s, renewTime a MicroTime.

import { afterAll, beforeAll, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import { type KubeCluster, kubectlOk, startKubeEmulator } from "../kube/kube-helpers.js";
import { makeCluster, until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;
beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await makeCluster(emu, "lease", { count: 1 });
});
afterAll(async () => {
  await emu?.close();
});

it("describe node: the Lease's RenewTime moves on; the Lease is renewed by the kubelet", async () => {
  const node = await until(async () => {
    const n = (await kubectlOk(c, ["get", "nodes", "-o", "name"])).trim();
    return n ? n.replace("node/", "") : undefined;
  });
  const renewTime = async () =>
    until(
      async () =>
        /Lease:[\s\S]*?RenewTime:\s+(.+)\n/.exec(await kubectlOk(c, ["describe", "node", node]))?.[1],
    );
  const first = await renewTime();
  expect(first).not.toBe("<unset>");
  const later = await until(async () => {
    const t = await renewTime();
    return t !== first ? t : undefined;
  }, 25_000);
  expect(Date.parse(later)).toBeGreaterThan(Date.parse(first));
  const lease = JSON.parse(await kubectlOk(c, ["get", "lease", "-n", "kube-node-lease", node, "-o", "json"]));
  expect(lease.spec).toMatchObject({ holderIdentity: node, leaseDurationSeconds: 40 });
  expect(lease.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  expect(Date.now() - Date.parse(lease.spec.renewTime)).toBeLessThan(15_000);
}, 60_000);
