// Services wired end to end (issue 12) with the machine's real kubectl: ClusterIP/NodePort
// allocation and kube-apiserver's refusals, kube-dns and kubernetes through the same allocation,
// Endpoints/EndpointSlices from ready pods, and LoadBalancer Services turned into Azure resources
// seen through ARM (load balancer, NSG rules, public IPs in MC_…), cleaned up on delete.
import fs from "node:fs";
import path from "node:path";
import type { Service } from "kubernetes-types/core/v1.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import { tempDir } from "../helpers/emulator.js";
import { type KubeCluster, kubectl, startKubeEmulator } from "../kube/kube-helpers.js";
import { clusterId, makeCluster, until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;
const API = "api-version=2024-05-01";
let mc = "";

function file(content: string): string {
  const p = path.join(tempDir("aksnet-svc-"), "m.yaml");
  fs.writeFileSync(p, content);
  return p;
}
/**
 * kubectl's generators (`create service …`, `create deployment`, `expose`) send protobuf bodies, which
 * the Kubernetes face does not decode yet; those commands are turned into the manifest they would
 * send and created with `kubectl create -f` (JSON on the wire). Everything else runs as typed.
 */
function asManifest(args: string[]): string | undefined {
  const flags = new Map(
    args
      .filter((a) => a.startsWith("--"))
      .map((a) => [a.slice(2).split("=")[0], a.split("=").slice(1).join("=")]),
  );
  const pos = args.filter((a) => !a.startsWith("--"));
  const ports = (tcp: string | undefined, nodePort?: string) =>
    tcp
      ? `[{port: ${tcp.split(":")[0]}, targetPort: ${tcp.split(":")[1] ?? tcp.split(":")[0]}${nodePort ? `, nodePort: ${nodePort}` : ""}}]`
      : "[]";
  if (pos[0] === "create" && pos[1] === "service") {
    const type = {
      clusterip: "ClusterIP",
      nodeport: "NodePort",
      loadbalancer: "LoadBalancer",
      externalname: "ExternalName",
    }[pos[2]];
    const spec =
      type === "ExternalName"
        ? `{type: ExternalName, externalName: ${flags.get("external-name")}}`
        : `{type: ${type}, selector: {app: ${pos[3]}}${flags.has("clusterip") ? `, clusterIP: "${flags.get("clusterip")}"` : ""}, ports: ${ports(flags.get("tcp"), flags.get("node-port"))}}`;
    return `apiVersion: v1\nkind: Service\nmetadata: {name: ${pos[3]}, labels: {app: ${pos[3]}}}\nspec: ${spec}\n`;
  }
  if (pos[0] === "create" && pos[1] === "deployment") {
    const n = pos[2];
    return `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${n}, labels: {app: ${n}}}\nspec:\n  replicas: ${flags.get("replicas") ?? 1}\n  selector: {matchLabels: {app: ${n}}}\n  template:\n    metadata: {labels: {app: ${n}}}\n    spec: {containers: [{name: ${n}, image: "${flags.get("image")}", ports: [{containerPort: ${flags.get("port")}}]}]}\n`;
  }
  if (pos[0] === "expose" && pos[1] === "deployment") {
    const n = flags.get("name") ?? pos[2];
    return `apiVersion: v1\nkind: Service\nmetadata: {name: ${n}, labels: {app: ${pos[2]}}}\nspec: {type: ${flags.get("type") ?? "ClusterIP"}, selector: {app: ${pos[2]}}, ports: [{port: ${flags.get("port")}, targetPort: ${flags.get("target-port") ?? flags.get("port")}}]}\n`;
  }
  return undefined;
}
const kc = (args: string[]) => {
  const m = asManifest(args);
  return kubectl(c, m ? ["create", "-f", file(m)] : args);
};
async function ok(args: string[]) {
  const r = await kc(args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}
const svc = async (name: string, ns = "default") =>
  JSON.parse(await ok(["get", "svc", name, "-n", ns, "-o", "json"])) as Service;
const arm = async (p: string) => {
  const r = await emu.arm(
    "GET",
    `/subscriptions/${emu.subscriptionId}/resourceGroups/${mc}/providers/Microsoft.Network/${p}?${API}`,
  );
  return { status: r.status, body: r.body as Record<string, unknown> };
};
const lbRules = async () => {
  const r = await arm("loadBalancers/kubernetes");
  const props = (r.body.properties ?? {}) as {
    loadBalancingRules?: { name: string; properties: { frontendPort: number } }[];
  };
  return (props.loadBalancingRules ?? []).map((x) => `${x.name}:${x.properties.frontendPort}`).sort();
};
const nsgRules = async () => {
  const nsgs = await arm("networkSecurityGroups");
  const nsg = ((nsgs.body.value ?? []) as { name: string }[])[0];
  const rules = await arm(`networkSecurityGroups/${nsg.name}/securityRules`);
  return ((rules.body.value ?? []) as { name: string; properties: Record<string, unknown> }[]).filter((r) =>
    r.name.startsWith("k8s-azure-lb"),
  );
};
const servicePips = async () => {
  const r = await arm("publicIPAddresses");
  return (
    (r.body.value ?? []) as {
      name: string;
      tags?: Record<string, string>;
      properties: Record<string, unknown>;
    }[]
  ).filter((p) => p.tags?.["k8s-azure-service"]);
};

beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await makeCluster(emu, "svc", { count: 2 });
  const r = await emu.arm("GET", `${clusterId(emu, "svc")}?${API}`);
  mc = String(((r.body as Record<string, unknown>).properties as Record<string, unknown>).nodeResourceGroup);
  await until(async () =>
    (await kc(["get", "svc", "kube-dns", "-n", "kube-system"])).code === 0 ? true : undefined,
  );
}, 120_000);
afterAll(async () => emu?.close());

describe("ClusterIP and NodePort allocation", () => {
  it("kube-dns keeps dnsServiceIP and kubernetes the first address, both allocated", async () => {
    expect((await svc("kube-dns", "kube-system")).spec?.clusterIP).toBe("10.0.0.10");
    const k = await until(async () =>
      (await kc(["get", "svc", "kubernetes"])).code === 0 ? svc("kubernetes") : undefined,
    );
    expect(k.spec?.clusterIP).toBe("10.0.0.1");
    const dup = await kc(["create", "service", "clusterip", "dup", "--tcp=80:80", "--clusterip=10.0.0.10"]);
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toContain(
      'spec.clusterIPs: Invalid value: []string{"10.0.0.10"}: failed to allocate IP 10.0.0.10: provided IP is already allocated',
    );
  });

  it("ClusterIP from the upper band, a requested one honoured, outside the range refused, headless", async () => {
    await ok(["create", "service", "clusterip", "web", "--tcp=80:8080"]);
    const web = await svc("web");
    // 10.0.0.0/16: static band is the first 256; kube-system's metrics-server took 10.0.1.0.
    expect((await svc("metrics-server", "kube-system")).spec?.clusterIP).toBe("10.0.1.0");
    expect(web.spec?.clusterIP).toBe("10.0.1.1");
    expect(web.spec?.clusterIPs).toEqual(["10.0.1.1"]);
    expect(web.spec?.ipFamilies).toEqual(["IPv4"]);
    await ok(["create", "service", "clusterip", "fixed", "--tcp=80:80", "--clusterip=10.0.0.5"]);
    expect((await svc("fixed")).spec?.clusterIP).toBe("10.0.0.5");
    const again = await kc([
      "create",
      "service",
      "clusterip",
      "fixed2",
      "--tcp=80:80",
      "--clusterip=10.0.0.5",
    ]);
    expect(again.stderr).toContain(
      'The Service "fixed2" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.5"}: failed to allocate IP 10.0.0.5: provided IP is already allocated',
    );
    const out = await kc(["create", "service", "clusterip", "out", "--tcp=80:80", "--clusterip=192.168.0.5"]);
    expect(out.stderr).toContain(
      "failed to allocate IP 192.168.0.5: the provided IP (192.168.0.5) is not in the valid range. The range of valid IPs is 10.0.0.0/16",
    );
    await ok(["create", "service", "clusterip", "headless", "--clusterip=None"]);
    expect((await svc("headless")).spec?.clusterIPs).toEqual(["None"]);
    // Released on delete: the address can be requested again.
    await ok(["delete", "svc", "fixed"]);
    await until(async () => {
      const r = await kc(["create", "service", "clusterip", "fixed3", "--tcp=80:80", "--clusterip=10.0.0.5"]);
      return r.code === 0 ? true : undefined;
    });
  });

  it("NodePort: chosen from 30000–32767 (upper band), requested honoured or refused", async () => {
    await ok(["create", "service", "nodeport", "np", "--tcp=80:8080"]);
    const np = await svc("np");
    expect(np.spec?.ports?.[0].nodePort).toBe(30086);
    await ok(["create", "service", "nodeport", "np2", "--tcp=80:8080", "--node-port=30080"]);
    expect((await svc("np2")).spec?.ports?.[0].nodePort).toBe(30080);
    const dup = await kc(["create", "service", "nodeport", "np3", "--tcp=80:8080", "--node-port=30080"]);
    expect(dup.stderr).toContain(
      'The Service "np3" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
    );
    const range = await kc(["create", "service", "nodeport", "np4", "--tcp=80:8080", "--node-port=80"]);
    expect(range.stderr).toContain(
      "provided port is not in the valid range. The range of valid ports is 30000-32767",
    );
    const table = await ok(["get", "svc", "np2", "web", "headless"]);
    expect(table).toMatch(/np2\s+NodePort\s+10\.0\.\d+\.\d+\s+<none>\s+80:30080\/TCP/);
    expect(table).toMatch(/web\s+ClusterIP\s+10\.0\.1\.1\s+<none>\s+80\/TCP/);
    expect(table).toMatch(/headless\s+ClusterIP\s+None\s+<none>\s+<none>/);
    // Type change back to ClusterIP drops the node port; it can be taken again.
    await ok(["patch", "svc", "np2", "-p", '{"spec":{"type":"ClusterIP"}}']);
    expect((await svc("np2")).spec?.ports?.[0].nodePort).toBeUndefined();
    await ok(["create", "service", "nodeport", "np5", "--tcp=80:8080", "--node-port=30080"]);
  });

  it("ExternalName round trip", async () => {
    await ok(["create", "service", "externalname", "ext", "--external-name=db.example.com"]);
    const e = await svc("ext");
    expect(e.spec?.externalName).toBe("db.example.com");
    expect(e.spec?.clusterIP).toBeUndefined();
    expect(await ok(["get", "svc", "ext"])).toMatch(
      /ext\s+ExternalName\s+<none>\s+db\.example\.com\s+<none>/,
    );
  });
});

describe("Endpoints and EndpointSlices", () => {
  it("follow the ready pods a Service selects", async () => {
    await ok(["create", "deployment", "echo", "--image=nginx:1.27", "--replicas=2", "--port=8080"]);
    await ok(["expose", "deployment", "echo", "--port=80", "--target-port=8080"]);
    const eps = await until(async () => {
      const r = await kc(["get", "endpoints", "echo", "-o", "json"]);
      if (r.code !== 0) return undefined;
      const o = JSON.parse(r.stdout) as {
        subsets?: { addresses?: { ip: string }[]; ports: { port: number }[] }[];
      };
      return o.subsets?.[0]?.addresses?.length === 2 ? o : undefined;
    }, 60_000);
    expect(eps.subsets?.[0].ports[0].port).toBe(8080);
    const podIps = JSON.parse(await ok(["get", "pods", "-l", "app=echo", "-o", "json"])).items.map(
      (p: { status: { podIP: string } }) => p.status.podIP,
    );
    expect(eps.subsets?.[0].addresses?.map((a) => a.ip).sort()).toEqual([...podIps].sort());
    const slices = JSON.parse(
      await ok(["get", "endpointslices", "-l", "kubernetes.io/service-name=echo", "-o", "json"]),
    );
    expect(slices.items).toHaveLength(1);
    expect(slices.items[0].endpoints.map((e: { addresses: string[] }) => e.addresses[0]).sort()).toEqual(
      [...podIps].sort(),
    );
    expect(slices.items[0].ports[0]).toEqual({ name: "", port: 8080, protocol: "TCP" });
    // The ENDPOINTS column as formatEndpoints prints it: port by port, three shown, the rest counted.
    const dns = JSON.parse(await ok(["get", "endpoints", "kube-dns", "-n", "kube-system", "-o", "json"]));
    const ips: string[] = dns.subsets[0].addresses.map((a: { ip: string }) => a.ip);
    const ports: number[] = dns.subsets[0].ports.map((p: { port: number }) => p.port);
    const all = ports.flatMap((p) => ips.map((ip) => `${ip}:${p}`));
    const shown = all.length > 3 ? `${all.slice(0, 3).join(",")} + ${all.length - 3} more...` : all.join(",");
    const row = (await ok(["get", "endpoints", "kube-dns", "-n", "kube-system", "--no-headers"]))
      .trim()
      .split(/\s+/);
    expect(row[1]).toBe(shown.split(" ")[0]);
    expect(row.slice(1, -1).join(" ")).toBe(shown);
    // Scaling down: the pod going is Terminating a while — the EndpointSlice keeps it, serving
    // but not ready (podToEndpoint), while Endpoints drops it at once.
    const watch = kc([
      "get",
      "endpointslices",
      "-l",
      "kubernetes.io/service-name=echo",
      "--watch",
      "--output-watch-events",
      "-o",
      "json",
      "--request-timeout=8s",
    ]);
    await new Promise((r) => setTimeout(r, 500));
    await ok(["scale", "deployment", "echo", "--replicas=1"]);
    await until(async () => {
      const o = JSON.parse(await ok(["get", "endpoints", "echo", "-o", "json"]));
      return o.subsets?.[0]?.addresses?.length === 1 ? true : undefined;
    }, 60_000);
    const seen = (await watch).stdout;
    expect(seen).toMatch(/"ready":\s*false,\s*"serving":\s*true,\s*"terminating":\s*true/);
  });
});

describe("LoadBalancer Services on the Azure load balancer", () => {
  it("public, internal, source ranges, DNS label → ARM; events; delete cleans up", async () => {
    const t0 = Date.now();
    await ok([
      "expose",
      "deployment",
      "echo",
      "--name=pub",
      "--type=LoadBalancer",
      "--port=80",
      "--target-port=8080",
    ]);
    const pub = await until(async () => {
      const s = await svc("pub");
      return s.status?.loadBalancer?.ingress?.[0]?.ip ? s : undefined;
    });
    const latencyMs = Date.now() - t0;
    expect(latencyMs).toBeGreaterThan(0);
    const ip = String(pub.status?.loadBalancer?.ingress?.[0]?.ip);
    const uid = String(pub.metadata?.uid).replaceAll("-", "");
    const feName = `a${uid}`.slice(0, 32);
    expect(await ok(["get", "svc", "pub"])).toMatch(
      new RegExp(
        `pub\\s+LoadBalancer\\s+10\\.0\\.\\d+\\.\\d+\\s+${ip.replaceAll(".", "\\.")}\\s+80:${pub.spec?.ports?.[0].nodePort}/TCP`,
      ),
    );
    expect(await lbRules()).toEqual([`${feName}-TCP-80:80`]);
    const pips = await servicePips();
    expect(pips.map((p) => [p.name, p.properties.ipAddress, p.tags?.["k8s-azure-service"]])).toEqual([
      [`kubernetes-${feName}`, ip, "default/pub"],
    ]);
    const rules = await nsgRules();
    expect(rules).toHaveLength(1);
    expect(rules[0].properties.priority).toBe(500);
    expect(rules[0].properties.sourceAddressPrefix).toBe("Internet");
    expect(
      (rules[0].properties.destinationAddressPrefixes as string[] | undefined)?.length
        ? rules[0].properties.destinationAddressPrefixes
        : [rules[0].properties.destinationAddressPrefix],
    ).toEqual([ip]);
    const ev = await ok(["get", "events", "--field-selector", "involvedObject.name=pub", "-o", "json"]);
    const reasons = JSON.parse(ev).items.map((e: { reason: string }) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(["EnsuringLoadBalancer", "EnsuredLoadBalancer"]));

    // Internal, source ranges and DNS label.
    await ok([
      "apply",
      "-f",
      file(`apiVersion: v1
kind: Service
metadata:
  name: ilb
  annotations: {service.beta.kubernetes.io/azure-load-balancer-internal: "true"}
spec:
  type: LoadBalancer
  selector: {app: echo}
  ports: [{port: 443, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata:
  name: ranged
  annotations: {service.beta.kubernetes.io/azure-dns-label-name: ranged-echo}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  loadBalancerSourceRanges: [203.0.113.0/24]
  selector: {app: echo}
  ports: [{port: 8443, targetPort: 8080}]
`),
    ]);
    const ilb = await until(async () => {
      const s = await svc("ilb");
      return s.status?.loadBalancer?.ingress?.[0]?.ip ? s : undefined;
    });
    expect(ilb.status?.loadBalancer?.ingress?.[0]?.ip).toMatch(/^10\.224\./);
    const ranged = await until(async () => {
      const s = await svc("ranged");
      return s.status?.loadBalancer?.ingress?.[0]?.ip ? s : undefined;
    });
    expect(ranged.spec?.healthCheckNodePort).toBeGreaterThanOrEqual(30000);
    const internal = await arm("loadBalancers/kubernetes-internal");
    expect(internal.status).toBe(200);
    const dns = (await servicePips()).find((p) => p.tags?.["k8s-azure-service"] === "default/ranged");
    expect((dns?.properties.dnsSettings as { domainNameLabel?: string } | undefined)?.domainNameLabel).toBe(
      "ranged-echo",
    );
    const ranges = (await nsgRules()).filter((r) => r.properties.sourceAddressPrefix === "203.0.113.0/24");
    expect(ranges).toHaveLength(1);

    // Bad annotation → SyncLoadBalancerFailed with the provider's text, nothing made for it.
    await ok([
      "create",
      "-f",
      file(`apiVersion: v1
kind: Service
metadata:
  name: bad
  annotations: {service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout: "200"}
spec: {type: LoadBalancer, ports: [{port: 81}]}
`),
    ]);
    const failed = await until(async () => {
      const r = JSON.parse(
        await ok(["get", "events", "--field-selector", "involvedObject.name=bad", "-o", "json"]),
      );
      return r.items.find((e: { reason: string }) => e.reason === "SyncLoadBalancerFailed");
    });
    expect(failed.type).toBe("Warning");
    expect(failed.message).toContain(
      "idle timeout value must be a whole number representing minutes between 4 and 100, actual value: 200",
    );
    expect((await svc("bad")).status?.loadBalancer?.ingress).toBeUndefined();

    // Delete: everything gone from ARM.
    await ok(["delete", "svc", "pub", "ilb", "ranged", "bad"]);
    await until(async () =>
      (await servicePips()).length === 0 && (await nsgRules()).length === 0 ? true : undefined,
    );
    expect(await lbRules()).toEqual([]);
    expect((await arm("loadBalancers/kubernetes-internal")).status).toBe(404);
    console.log(`service create → EXTERNAL-IP: ${latencyMs} ms`);
  }, 120_000);
});
