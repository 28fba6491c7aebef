// The Service path explained (issue 12, item 6) on a living cluster driven by the real kubectl:
// cluster DNS names in `aksnet trace`, and Internet → load balancer frontend → rule → nodes →
// the Service's endpoint pods with their NetworkPolicy verdicts (calico enforces them).
import fs from "node:fs";
import path from "node:path";
import type { Service } from "kubernetes-types/core/v1.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { render, renderPod } from "../../src/cli/trace.js";
import type { ServiceView } from "../../src/kube/services/view.js";
import type { ClusterTraceResult } from "../../src/kube/trace/clusterTrace.js";
import type { PodTraceResult } from "../../src/kube/trace/podTrace.js";
import type { TestEmulator } from "../helpers/emulator.js";
import { tempDir } from "../helpers/emulator.js";
import { type KubeCluster, kubectl, startKubeEmulator } from "../kube/kube-helpers.js";
import { makeCluster, until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;

const MANIFEST = `
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: main, image: "nginx:1.27", ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: front, namespace: default}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: idle, namespace: default}
spec: {type: LoadBalancer, selector: {app: nobody}, ports: [{port: 8443, targetPort: 8443}]}
---
apiVersion: v1
kind: Service
metadata:
  name: inside
  namespace: default
  annotations: {service.beta.kubernetes.io/azure-load-balancer-internal: "true"}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 81, targetPort: http}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop, labels: {app: client}}
spec: {containers: [{name: c, image: "busybox:1.36"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: default, labels: {app: other}}
spec: {containers: [{name: c, image: "busybox:1.36"}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-shop, namespace: default}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: shop}}}]
    ports: [{protocol: TCP, port: http}]
`;

async function ok(args: string[]) {
  const r = await kubectl(c, args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function trace(
  body: Record<string, unknown>,
): Promise<{ status: number; body: ClusterTraceResult & { error?: { code: string; message: string } } }> {
  const res = await fetch(`${emu.url}/_aksnet/trace`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await emu.token()}` },
    body: JSON.stringify({ resourceGroup: "work-rg", cluster: "tr", ...body }),
  });
  return {
    status: res.status,
    body: (await res.json()) as ClusterTraceResult & { error?: { code: string; message: string } },
  };
}

let frontIp = "";
let webPods: string[] = [];

beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await makeCluster(emu, "tr", { count: 2, networkPolicy: "calico" });
  const f = path.join(tempDir("aksnet-trace-"), "m.yaml");
  fs.writeFileSync(f, MANIFEST);
  await ok(["apply", "-f", f]);
  await until(async () => {
    const e = JSON.parse(await ok(["get", "endpoints", "web", "-o", "json"]));
    return e.subsets?.[0]?.addresses?.length === 2 ? true : undefined;
  }, 60_000);
  const front = await until(async () => {
    const s = JSON.parse(await ok(["get", "svc", "front", "-o", "json"])) as Service;
    return s.status?.loadBalancer?.ingress?.[0]?.ip ? s : undefined;
  }, 60_000);
  frontIp = front.status?.loadBalancer?.ingress?.[0]?.ip ?? "";
  for (const name of ["idle", "inside"])
    await until(async () => {
      const s = JSON.parse(await ok(["get", "svc", name, "-o", "json"])) as Service;
      return s.status?.loadBalancer?.ingress?.[0]?.ip ? true : undefined;
    }, 60_000);
  for (const [ns, name] of [
    ["shop", "client"],
    ["default", "other"],
  ])
    await until(async () => {
      const p = JSON.parse(await ok(["get", "pod", name, "-n", ns, "-o", "json"]));
      return p.status?.podIP && p.status?.phase === "Running" ? true : undefined;
    }, 60_000);
  const pods = JSON.parse(await ok(["get", "pods", "-l", "app=web", "-o", "json"])).items as {
    metadata: { name: string };
  }[];
  webPods = pods.map((p) => `default/${p.metadata.name}`).sort();
}, 180_000);
afterAll(async () => emu?.close());

describe("Internet → load balancer → nodes → endpoint pods", () => {
  it("by the Service's DNS name with the port in --to: frontend, rule, nodes, then both pods on the named targetPort", async () => {
    const r = await trace({ to: "front.default.svc.cluster.local:80/tcp" });
    expect(r.status).toBe(200);
    expect(r.body.dns).toMatchObject({
      kind: "clusterIP",
      fqdn: "front.default.svc.cluster.local",
      server: "10.0.0.10",
    });
    expect(r.body.loadBalancer?.frontendIp).toBe(frontIp);
    expect(r.body.nodes.map((n) => n.verdict)).toEqual(["Allow", "Allow"]);
    const s = r.body.service;
    expect(s?.service).toMatchObject({
      namespace: "default",
      name: "front",
      port: { name: "http", port: 80, targetPort: "http" },
    });
    expect(s?.endpoints.map((e) => e.pod).sort()).toEqual(webPods);
    expect(s?.endpoints.map((e) => [e.port, e.targetPort])).toEqual([
      [8080, "targetPort 'http' → container main port http = 8080"],
      [8080, "targetPort 'http' → container main port http = 8080"],
    ]);
    // externalTrafficPolicy Cluster: the pods see the nodes (SNAT), which web-from-shop does not admit.
    expect(s?.networkPolicy).toEqual({ plugin: "calico", enforced: true });
    expect(s?.endpoints.map((e) => [e.verdict, e.policy.decidedBy])).toEqual([
      ["Deny", "isolation:default/web-from-shop"],
      ["Deny", "isolation:default/web-from-shop"],
    ]);
    expect(s?.verdict).toBe("Deny");
    const printed = render(r.body);
    expect(printed).toContain(
      `front.default.svc.cluster.local → front.default.svc.cluster.local (cluster DNS, kube-dns 10.0.0.10) → ${frontIp}`,
    );
    expect(printed).toContain("→ Service default/front:");
    expect(printed).toMatch(
      /default\/web-\S+\s+10\.244\.\d+\.\d+\s+aks-nodepool1-\S+\s+8080\/tcp\s+Deny\s+ingress to the destination pod is isolated by default\/web-from-shop/,
    );
  });

  it("by address and -p, the same; a Service without ready endpoints says so", async () => {
    const r = await trace({ to: frontIp, port: "80/tcp" });
    expect(r.body.service?.endpoints).toHaveLength(2);
    const idle = await trace({ to: "idle.default" });
    expect(idle.status).toBe(200);
    expect(idle.body.service?.verdict).toBe("NoEndpoints");
    expect(idle.body.service?.steps.at(-1)).toBe(
      "Service default/idle has no ready endpoints: no running pod matches app=nobody: kube-proxy rejects the connection",
    );
  });

  it("a ClusterIP name is explained, not traced from outside; unknown names and bad ports are 400s", async () => {
    const web = await trace({ to: "web.default.svc.cluster.local:80/tcp" });
    expect(web.status).toBe(400);
    expect(web.body.error?.message).toMatch(
      /^web\.default\.svc\.cluster\.local resolves, inside the cluster only \(kube-dns 10\.0\.0\.10\), to ClusterIP 10\.0\.\d+\.\d+ \(Service default\/web, type ClusterIP\), which is not reachable from outside the cluster; trace it from a pod/,
    );
    const nx = await trace({ to: "nope.default.svc.cluster.local", port: "80/tcp" });
    expect(nx.body.error).toEqual({
      code: "InvalidRequestContent",
      message: "nope.default.svc.cluster.local does not resolve: no Service nope in namespace default.",
      target: "to",
    });
    const clash = await trace({ to: `${frontIp}:80/tcp`, port: "443/tcp" });
    expect(clash.status).toBe(400);
    expect(clash.body.error?.message).toBe(
      "The destination names port 80/tcp but 'port' is 443/tcp: give one of them.",
    );
    expect((await trace({ to: "bad_name!:80" })).status).toBe(400);
  });
});

describe("the page's data: Services with their addresses, ports and backends", () => {
  it("lists each Service's type, cluster IP, external IP, ports and endpoint pods, and names internal frontends' Services", async () => {
    const res = await fetch(`${emu.url}/_aksnet/topology`, {
      headers: { authorization: `Bearer ${await emu.token()}` },
    });
    expect(res.status).toBe(200);
    const t = (await res.json()) as {
      subscriptions: {
        clusters: {
          name: string;
          services: ServiceView[];
          loadBalancers: { name: string; frontends: { name: string; address: string; service?: string }[] }[];
        }[];
      }[];
    };
    const cl = t.subscriptions[0].clusters.find((x) => x.name === "tr");
    const byName = new Map(cl?.services.map((s) => [`${s.namespace}/${s.name}`, s]));
    const front = byName.get("default/front");
    const k8sFront = JSON.parse(await ok(["get", "svc", "front", "-o", "json"])) as Service;
    expect(front).toMatchObject({
      type: "LoadBalancer",
      clusterIPs: k8sFront.spec?.clusterIPs,
      externalIPs: [frontIp],
      internal: false,
      ports: [
        {
          name: "http",
          port: 80,
          protocol: "TCP",
          targetPort: "http",
          nodePort: k8sFront.spec?.ports?.[0].nodePort,
        },
      ],
      selector: "app=web",
    });
    expect(front?.backends.map((b) => `default/${b.pod}`).sort()).toEqual(webPods);
    expect(front?.backends.every((b) => b.ready && b.node?.startsWith("aks-nodepool1-"))).toBe(true);
    expect(byName.get("kube-system/kube-dns")).toMatchObject({
      type: "ClusterIP",
      clusterIPs: ["10.0.0.10"],
    });
    expect(byName.get("default/idle")?.backends).toEqual([]);
    const inside = byName.get("default/inside");
    expect(inside).toMatchObject({ type: "LoadBalancer", internal: true });
    const ilb = cl?.loadBalancers.find((l) => l.name === "kubernetes-internal");
    const fe = ilb?.frontends.find((f) => f.address === inside?.externalIPs[0]);
    expect(fe?.service).toBe("default/inside");
    expect(fe?.name).toBe(inside?.frontend);
  });
});

describe("--from-pod: pod → Service (kube-dns, kube-proxy, endpoints, NetworkPolicy) and pod → pod", () => {
  const podTrace = async (fromPod: string, to: string) =>
    (await trace({ fromPod, to })) as unknown as {
      status: number;
      body: PodTraceResult & { error?: { message: string } };
    };

  it("a pod in a team=shop namespace reaches both web pods through the Service's DNS name", async () => {
    const r = await podTrace("shop/client", "web.default.svc.cluster.local:80/tcp");
    expect(r.status).toBe(200);
    expect(r.body.to.class).toBe("in-cluster");
    expect(r.body.verdict).toBe("Delivered");
    const web = JSON.parse(await ok(["get", "svc", "web", "-o", "json"])) as Service;
    expect(r.body.hops.map((h) => [h.what, h.verdict])).toEqual([
      ["cluster DNS", "forward"],
      ["kube-proxy", "forward"],
      ["endpoint", "deliver"],
      ["endpoint", "deliver"],
    ]);
    expect(r.body.hops[0]).toMatchObject({
      where: "kube-dns 10.0.0.10",
      detail: `web.default.svc.cluster.local A ${web.spec?.clusterIP}`,
    });
    expect(r.body.hops[1]).toMatchObject({
      decidedBy: "Service default/web port 'http' 80/TCP → targetPort http",
      destination: `${web.spec?.clusterIP}:80`,
    });
    expect(r.body.hops.slice(2).map((h) => h.decidedBy)).toEqual([
      "policy:default/web-from-shop",
      "policy:default/web-from-shop",
    ]);
    expect(r.body.hops[2].destination).toMatch(/:8080$/);
    const printed = renderPod(r.body);
    expect(printed).toContain("[in-cluster]");
    expect(printed).toContain("Delivered: reaches all 2 endpoint(s)");
  });

  it("a pod outside team=shop is dropped at each endpoint by the enforced policy; by ClusterIP the same", async () => {
    const web = JSON.parse(await ok(["get", "svc", "web", "-o", "json"])) as Service;
    for (const to of ["web:80/tcp", `${web.spec?.clusterIP}:80/tcp`]) {
      const r = await podTrace("default/other", to);
      expect(r.body.verdict).toBe("Dropped");
      expect(r.body.hops.filter((h) => h.what === "endpoint").map((h) => [h.verdict, h.decidedBy])).toEqual([
        ["drop", "isolation:default/web-from-shop"],
        ["drop", "isolation:default/web-from-shop"],
      ]);
      expect(r.body.summary).toBe("NetworkPolicy denies every endpoint (2): connections time out");
    }
  });

  it("no ready endpoints, a port the Service lacks, a name that does not exist, a pod IP", async () => {
    const idle = await podTrace("shop/client", "idle.default:8443/tcp");
    expect(idle.body.verdict).toBe("Dropped");
    expect(idle.body.hops.at(-1)?.detail).toBe(
      "Service default/idle has no ready endpoints: no running pod matches app=nobody: kube-proxy rejects the connection (ICMP port unreachable: connection refused)",
    );
    const port = await podTrace("shop/client", "web.default:81/tcp");
    expect(port.body.verdict).toBe("Dropped");
    expect(port.body.hops.at(-1)?.detail).toMatch(
      /^Service default\/web has no port 81\/TCP \(its ports: 80\/TCP\)/,
    );
    const nx = await podTrace("shop/client", "nope.default.svc.cluster.local:80/tcp");
    expect(nx.body.verdict).toBe("Dropped");
    expect(nx.body.hops[0]).toMatchObject({
      what: "cluster DNS",
      verdict: "drop",
      detail: "NXDOMAIN: no Service nope in namespace default",
    });
    const webPod = JSON.parse(await ok(["get", "pod", webPods[0].split("/")[1], "-o", "json"]));
    const direct = await podTrace("default/other", `${webPod.status.podIP}:8080/tcp`);
    expect(direct.body.hops.map((h) => [h.what, h.where.split(" on ")[0], h.verdict])).toEqual([
      ["endpoint", `pod ${webPods[0]}`, "drop"],
    ]);
  });
});
