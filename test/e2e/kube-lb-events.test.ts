// A LoadBalancer Service's events as the cloud service controller records them, driven with the
// real kubectl: Ensuring / Ensured once when it is created, then UpdatedLoadBalancer ("with new
// hosts") each time the set of nodes changes (a pool scaled), and nothing for a node relabelled.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import { type KubeCluster, kubectl, startKubeEmulator } from "../kube/kube-helpers.js";
import { makeCluster, poolScale, until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;
beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await makeCluster(emu, "lbev", { count: 2, version: "1.33" });
});
afterAll(async () => emu?.close());

const serviceEvents = async () => {
  const ev = await kubectl(c, [
    "get",
    "events",
    "--field-selector",
    "involvedObject.kind=Service",
    "-o",
    "json",
  ]);
  return (JSON.parse(ev.stdout).items as { reason: string; count: number }[])
    .map((e) => `${e.reason} ${e.count}`)
    .sort();
};

describe("load balancer events", () => {
  it("ensured once; updated with new hosts per node-set change, not per relabel", async () => {
    await kubectl(c, ["create", "deployment", "web", "--image=nginx", "--replicas=2"]);
    await kubectl(c, ["expose", "deployment", "web", "--port=80", "--type=LoadBalancer"]);
    await until(async () => {
      const r = await kubectl(c, [
        "get",
        "svc",
        "web",
        "-o",
        "jsonpath={.status.loadBalancer.ingress[0].ip}",
      ]);
      return r.stdout || undefined;
    });
    await until(async () => ((await serviceEvents()).length === 2 ? true : undefined));
    expect(await serviceEvents()).toEqual(["EnsuredLoadBalancer 1", "EnsuringLoadBalancer 1"]);
    const nodes = JSON.parse((await kubectl(c, ["get", "nodes", "-o", "json"])).stdout).items;
    await kubectl(c, ["label", "node", nodes[0].metadata.name, "team=web"]);
    await poolScale(emu, c, "nodepool1", 3);
    await until(async () => ((await serviceEvents()).includes("UpdatedLoadBalancer 1") ? true : undefined));
    await poolScale(emu, c, "nodepool1", 2);
    await until(async () => ((await serviceEvents()).includes("UpdatedLoadBalancer 2") ? true : undefined));
    const d = await kubectl(c, ["describe", "svc", "web"]);
    expect(d.stdout).toMatch(
      /Normal\s+UpdatedLoadBalancer\s+\S+ \(x2 over \S+\)\s+service-controller\s+Updated load balancer with new hosts/,
    );
    expect(await serviceEvents()).toEqual([
      "EnsuredLoadBalancer 1",
      "EnsuringLoadBalancer 1",
      "UpdatedLoadBalancer 2",
    ]);
  });
});
