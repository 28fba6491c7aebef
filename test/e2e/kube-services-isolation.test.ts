// One LoadBalancer Service Azure refuses never stops the others (cloud-provider-azure reconciles
// each Service on its own), driven with the real kubectl: the refused one stays <pending> with a
// `SyncLoadBalancerFailed` event carrying Azure's error, every other Service gets its address.
// Also: `allocateLoadBalancerNodePorts: false` is probed on kube-proxy's health port (shared probe).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import { type KubeCluster, kubectl, kubectlOk, startKubeEmulator } from "../kube/kube-helpers.js";
import { clusterId, makeCluster, until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;
let mc = "";
const API = "api-version=2024-05-01";

beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await makeCluster(emu, "iso", { count: 2 });
  const r = await emu.arm("GET", `${clusterId(emu, "iso")}?${API}`);
  mc = String(((r.body as Record<string, unknown>).properties as Record<string, unknown>).nodeResourceGroup);
}, 120_000);
afterAll(async () => emu?.close());

const INTERNAL = "service.beta.kubernetes.io/azure-load-balancer-internal";
const IPV4 = "service.beta.kubernetes.io/azure-load-balancer-ipv4";

function lbService(name: string, port: number, annotations: Record<string, string> = {}, extra = ""): string {
  const ann = Object.entries(annotations)
    .map(([k, v]) => `${k}: "${v}"`)
    .join(", ");
  return `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, annotations: {${ann}}}\nspec: {type: LoadBalancer, selector: {app: x}, ports: [{port: ${port}}]${extra}}\n---\n`;
}

const external = async (name: string) =>
  (await kubectlOk(c, ["get", "svc", name, "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}"])).trim();

async function failures(): Promise<Map<string, string>> {
  const r = JSON.parse(
    await kubectlOk(c, ["get", "events", "--field-selector", "reason=SyncLoadBalancerFailed", "-o", "json"]),
  ) as { items: { involvedObject: { name: string }; message: string; type: string }[] };
  return new Map(r.items.map((e) => [e.involvedObject.name, `${e.type} ${e.message}`]));
}

describe("one refused LoadBalancer Service does not block the others", () => {
  it("each refusal is that Service's event; the rest are served", async () => {
    const manifest = [
      lbService("good-a", 80),
      lbService("dup-ip-1", 81, { [INTERNAL]: "true", [IPV4]: "10.224.0.200" }),
      lbService("dup-ip-2", 82, { [INTERNAL]: "true", [IPV4]: "10.224.0.200" }),
      lbService("off-subnet", 83, { [INTERNAL]: "true", [IPV4]: "10.99.0.5" }),
      lbService("no-subnet", 84, {
        [INTERNAL]: "true",
        "service.beta.kubernetes.io/azure-load-balancer-internal-subnet": "nosuchsubnet",
      }),
      lbService("no-node-ports", 85, {}, ", allocateLoadBalancerNodePorts: false"),
      lbService("good-b", 86),
    ].join("");
    await kubectlOk(c, ["apply", "-f", "-"], manifest);
    for (const name of ["good-a", "good-b", "dup-ip-1", "no-node-ports"])
      await until(async () => (await external(name)) || undefined);
    expect(await external("dup-ip-1")).toBe("10.224.0.200");
    const f = await until(async () => {
      const m = await failures();
      return m.size >= 3 ? m : undefined;
    });
    expect([...f.keys()].sort()).toEqual(["dup-ip-2", "no-subnet", "off-subnet"]);
    expect(f.get("dup-ip-2")).toMatch(
      /^Warning Error syncing load balancer: failed to ensure load balancer: Retriable: false, RetryAfter: 0s, HTTPStatusCode: 400, RawError: \{"error":\{"code":"PrivateIPAddressInUse"/,
    );
    expect(f.get("off-subnet")).toContain('"code":"PrivateIPAddressNotInSubnet"');
    expect(f.get("no-subnet")).toContain('"code":"InvalidResourceReference"');
    for (const name of ["dup-ip-2", "off-subnet", "no-subnet"]) expect(await external(name)).toBe("");
    const shown = await kubectlOk(c, ["get", "svc", "dup-ip-2"]);
    expect(shown).toMatch(/dup-ip-2\s+LoadBalancer\s+\S+\s+<pending>/);

    // A Service created after the refused ones is served too.
    await kubectlOk(c, ["apply", "-f", "-"], lbService("late", 87));
    await until(async () => (await external("late")) || undefined);

    // Removing the one holding the address lets the other have it.
    await kubectlOk(c, ["delete", "svc", "dup-ip-1"]);
    await until(async () => ((await external("dup-ip-2")) === "10.224.0.200" ? true : undefined));
  });

  it("allocateLoadBalancerNodePorts: false → the shared kube-proxy health probe (HTTP 10256 /healthz)", async () => {
    const r = await emu.arm(
      "GET",
      `/subscriptions/${emu.subscriptionId}/resourceGroups/${mc}/providers/Microsoft.Network/loadBalancers/kubernetes?${API}`,
    );
    const props = (r.body as { properties: Record<string, unknown> }).properties as {
      probes: { name: string; properties: { port: number; protocol: string; requestPath?: string } }[];
      loadBalancingRules: { name: string; properties: { frontendPort: number; probe?: { id: string } } }[];
    };
    const shared = props.probes.filter((p) => p.name === "cluster-service-shared-health-probe");
    expect(shared.map((p) => p.properties)).toEqual([
      expect.objectContaining({ port: 10256, protocol: "Http", requestPath: "/healthz" }),
    ]);
    const rule = props.loadBalancingRules.find((x) => x.properties.frontendPort === 85);
    expect(rule?.properties.probe?.id).toMatch(/\/probes\/cluster-service-shared-health-probe$/);
    expect((await kubectl(c, ["get", "svc", "no-node-ports"])).stdout).toMatch(/85\/TCP/);
  });

  it("Services naming one public IP share its frontend; a port clash refuses the later one", async () => {
    const PIP = "service.beta.kubernetes.io/azure-pip-name";
    await kubectlOk(
      c,
      ["apply", "-f", "-"],
      [
        lbService("share-1", 90, { [PIP]: "sharedpip" }),
        lbService("share-2", 91, { [PIP]: "sharedpip" }),
        lbService("share-3", 90, { [PIP]: "sharedpip" }),
      ].join(""),
    );
    const ip = await until(async () => (await external("share-1")) || undefined);
    await until(async () => ((await external("share-2")) === ip ? true : undefined));
    const f = await until(async () => (await failures()).get("share-3"));
    expect(f).toMatch(
      /^Warning Error syncing load balancer: failed to ensure load balancer: checkLoadBalancerResourcesConflicts: service port {2}is trying to consume the port 90 which is being referenced by an existing loadBalancing rule a[0-9a-f]{31}-TCP-90 with the same protocol Tcp and frontend IP config with ID \/subscriptions\/.+\/loadBalancers\/kubernetes\/frontendIPConfigurations\/a[0-9a-f]{31}$/,
    );
    expect(await external("share-3")).toBe("");
    const r = await emu.arm(
      "GET",
      `/subscriptions/${emu.subscriptionId}/resourceGroups/${mc}/providers/Microsoft.Network/loadBalancers/kubernetes?${API}`,
    );
    const props = (r.body as { properties: Record<string, unknown> }).properties as {
      frontendIPConfigurations: { id: string; properties: { publicIPAddress?: { id: string } } }[];
      loadBalancingRules: { properties: { frontendPort: number; frontendIPConfiguration: { id: string } } }[];
    };
    const fes = props.frontendIPConfigurations.filter((x) =>
      x.properties.publicIPAddress?.id.endsWith("/publicIPAddresses/sharedpip"),
    );
    expect(fes).toHaveLength(1);
    const onShared = props.loadBalancingRules
      .filter((x) => x.properties.frontendIPConfiguration.id === fes[0].id)
      .map((x) => x.properties.frontendPort)
      .sort();
    expect(onShared).toEqual([90, 91]);
  });
});
