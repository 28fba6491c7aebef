import type { Pod } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import { TraceTargetError, tracePodToCluster } from "../../../src/kube/trace/podToService.js";
import { objects, webPolicy } from "./fixtures.js";

const facts = (networkPolicy: string) => ({ networkPolicy, dnsServiceIP: "10.0.0.10" });
const podNamed = (o: ReturnType<typeof objects>, ns: string, name: string) =>
  o.pods.find((p) => p.metadata?.namespace === ns && p.metadata?.name === name) as Pod;

describe("pod → Service / pod (kube-proxy, Endpoints, NetworkPolicy)", () => {
  it("ClusterIP:port → the ready endpoints with the named targetPort resolved; not-ready pods listed apart", () => {
    const o = objects();
    const r = tracePodToCluster(
      podNamed(o, "shop", "client"),
      { host: "10.0.12.34", port: 80, protocol: "TCP" },
      o,
      facts("none"),
    );
    expect(r?.verdict).toBe("Allow");
    expect(r?.service).toMatchObject({
      namespace: "default",
      name: "web",
      via: "ClusterIP 10.0.12.34:80",
      port: { name: "http", port: 80, targetPort: "http" },
    });
    expect(r?.endpoints.map((e) => [e.pod, e.ip, e.port, e.targetPort])).toEqual([
      ["default/web-1", "10.244.0.11", 8080, "targetPort 'http' → container main port http = 8080"],
      ["default/web-2", "10.244.1.12", 8080, "targetPort 'http' → container main port http = 8080"],
    ]);
    expect(r?.notReady).toEqual([{ pod: "default/web-3", ip: "10.244.1.13", node: "aks-nodepool1-1" }]);
  });

  it("the DNS name goes through kube-dns to the same ClusterIP walk", () => {
    const o = objects();
    const r = tracePodToCluster(
      podNamed(o, "shop", "client"),
      { host: "web.default.svc.cluster.local", port: 80 },
      o,
      facts("none"),
    );
    expect(r?.dns).toMatchObject({ kind: "clusterIP", server: "10.0.0.10", addresses: ["10.0.12.34"] });
    expect(r?.steps[0]).toContain("web.default.svc.cluster.local → kube-dns 10.0.0.10");
    expect(r?.endpoints).toHaveLength(2);
    // Without a port, a Service with one port is unambiguous; kube-dns has two (53/UDP, 53/TCP).
    expect(
      tracePodToCluster(podNamed(o, "shop", "client"), { host: "web.default" }, o, facts("none"))?.port,
    ).toBe(80);
    expect(() =>
      tracePodToCluster(podNamed(o, "shop", "client"), { host: "10.0.0.10" }, o, facts("none")),
    ).toThrow(TraceTargetError);
  });

  it("NetworkPolicy: enforced with calico denies a pod the policy does not name; with none it is reported, not enforced", () => {
    const o = { ...objects(), policies: [webPolicy] };
    const client = podNamed(o, "shop", "client");
    const denied = tracePodToCluster(client, { host: "web.default", port: 80 }, o, facts("calico"));
    expect(denied?.verdict).toBe("Deny");
    expect(denied?.endpoints.map((e) => [e.verdict, e.policy.enforced, e.policy.decidedBy])).toEqual([
      ["Deny", true, "isolation:default/web-allow-frontend"],
      ["Deny", true, "isolation:default/web-allow-frontend"],
    ]);
    const notEnforced = tracePodToCluster(client, { host: "web.default", port: 80 }, o, facts("none"));
    expect(notEnforced?.verdict).toBe("Allow");
    expect(
      notEnforced?.endpoints.every(
        (e) => e.verdict === "Allow" && !e.policy.enforced && !e.policy.policyAllows,
      ),
    ).toBe(true);
    expect(notEnforced?.summary).toContain(
      "2 endpoint(s) would be denied by NetworkPolicy, which is not enforced (networkPolicy none)",
    );
    // A frontend pod in a team=shop namespace is admitted on the named port.
    client.metadata = { ...client.metadata, labels: { role: "frontend" } };
    const allowed = tracePodToCluster(client, { host: "web.default", port: 80 }, o, facts("azure"));
    expect(allowed?.verdict).toBe("Allow");
    expect(allowed?.endpoints[0].policy.decidedBy).toBe("policy:default/web-allow-frontend");
  });

  it("no ready endpoints, a port the Service lacks, an unknown name", () => {
    const o = objects();
    const c = podNamed(o, "shop", "client");
    const none = tracePodToCluster(c, { host: "empty.default", port: 80 }, o, facts("none"));
    expect(none?.verdict).toBe("NoEndpoints");
    expect(none?.steps.at(-1)).toBe(
      "Service default/empty has no ready endpoints: no running pod matches app=none: kube-proxy rejects the connection (ICMP port unreachable: connection refused)",
    );
    expect(tracePodToCluster(c, { host: "10.0.12.34", port: 81 }, o, facts("none"))?.verdict).toBe(
      "NoSuchPort",
    );
    const nx = tracePodToCluster(c, { host: "nope.default.svc.cluster.local", port: 80 }, o, facts("none"));
    expect(nx).toMatchObject({
      verdict: "Unresolved",
      summary: "nope.default.svc.cluster.local does not resolve: no Service nope in namespace default",
    });
  });

  it("headless → each pod directly; ExternalName to a cluster name is chased; to an outside name leaves the cluster", () => {
    const o = { ...objects(), policies: [webPolicy] };
    const c = podNamed(o, "shop", "client");
    const h = tracePodToCluster(c, { host: "db.default" }, o, facts("calico"));
    expect(h?.service).toBeUndefined();
    expect(h?.endpoints.map((e) => [e.pod, e.ip, e.port, e.verdict])).toEqual([
      ["default/db-0", "10.244.0.20", 5432, "Allow"],
      ["default/db-1", "10.244.1.21", 5432, "Allow"],
    ]);
    const alias = tracePodToCluster(c, { host: "alias.default", port: 80 }, o, facts("calico"));
    expect(alias).toMatchObject({
      externalName: "web.default.svc.cluster.local",
      verdict: "Deny",
      service: { name: "web" },
    });
    const ext = tracePodToCluster(c, { host: "ext.default", port: 443 }, o, facts("calico"));
    expect(ext).toMatchObject({ verdict: "LeavesCluster", externalName: "example.com" });
  });

  it("a pod IP is pod to pod; the LoadBalancer ingress IP is caught by kube-proxy; an outside address is not ours", () => {
    const o = { ...objects(), policies: [webPolicy] };
    const c = podNamed(o, "shop", "client");
    const p = tracePodToCluster(c, { host: "10.244.1.12", port: 8080 }, o, facts("cilium"));
    expect(p?.endpoints.map((e) => [e.pod, e.verdict])).toEqual([["default/web-2", "Deny"]]);
    const lb = tracePodToCluster(c, { host: "20.1.2.3", port: 80 }, o, facts("none"));
    expect(lb?.service?.name).toBe("front");
    expect(lb?.service?.via).toMatch(/^LoadBalancer ingress 20\.1\.2\.3:80/);
    expect(lb?.endpoints.map((e) => e.port)).toEqual([8080, 8080]);
    expect(
      tracePodToCluster(c, { host: "8.8.8.8", port: 53, protocol: "UDP" }, o, facts("none")),
    ).toBeUndefined();
    expect(tracePodToCluster(c, { host: "example.com", port: 443 }, o, facts("none"))).toBeUndefined();
  });
});
