import { describe, expect, it } from "vitest";
import { resolveClusterName, searchCandidates, usesClusterDns } from "../../../src/kube/services/dns.js";
import { objects, pod } from "../trace/fixtures.js";

const client = pod("shop", "client", "10.244.0.30", { app: "client" });
const inDefault = pod("default", "x", "10.244.0.40", {});

describe("cluster DNS (CoreDNS kubernetes plugin, kubelet ClusterFirst resolv.conf)", () => {
  it("expands a short name with the pod's search list first (ndots 5)", () => {
    expect(searchCandidates("web", { pod: client })).toEqual([
      "web.shop.svc.cluster.local",
      "web.svc.cluster.local",
      "web.cluster.local",
      "web",
    ]);
    expect(searchCandidates("web.default.svc.cluster.local.")).toEqual(["web.default.svc.cluster.local"]);
  });

  it("answers every spelling of a ClusterIP Service with its cluster IP, and names kube-dns as the server", () => {
    const o = objects();
    for (const q of [
      "web.default",
      "web.default.svc",
      "web.default.svc.cluster.local",
      "WEB.default.svc.cluster.local.",
    ]) {
      const a = resolveClusterName(q, o, { dnsServiceIP: "10.0.0.10" });
      expect(a).toMatchObject({
        kind: "clusterIP",
        fqdn: "web.default.svc.cluster.local",
        service: { namespace: "default", name: "web" },
        addresses: ["10.0.12.34"],
        server: "10.0.0.10",
      });
    }
    // A bare name resolves in the asking pod's namespace only.
    expect(resolveClusterName("web", o, { pod: inDefault })).toMatchObject({
      kind: "clusterIP",
      addresses: ["10.0.12.34"],
    });
    expect(resolveClusterName("web", o, { pod: client }).kind).toBe("external");
  });

  it("headless → the ready pods' addresses; <hostname>.<svc> → that pod", () => {
    const o = objects();
    expect(resolveClusterName("db.default.svc.cluster.local", o)).toMatchObject({
      kind: "headless",
      addresses: ["10.244.0.20", "10.244.1.21"],
      pods: ["default/db-0", "default/db-1"],
    });
    expect(resolveClusterName("db-1.db.default.svc.cluster.local", o)).toMatchObject({
      kind: "headless",
      addresses: ["10.244.1.21"],
      pods: ["default/db-1"],
    });
    expect(resolveClusterName("db-9.db.default.svc.cluster.local", o)).toMatchObject({
      kind: "nxdomain",
      reason: "no ready pod with hostname db-9 and subdomain db in default",
    });
  });

  it("ExternalName → CNAME; pod names → the dashed address; unknown → NXDOMAIN with the reason", () => {
    const o = objects();
    expect(resolveClusterName("ext.default.svc.cluster.local", o)).toMatchObject({
      kind: "externalName",
      cname: "example.com",
    });
    expect(resolveClusterName("10-244-0-11.default.pod.cluster.local", o)).toMatchObject({
      kind: "pod",
      addresses: ["10.244.0.11"],
    });
    expect(resolveClusterName("nope.default.svc.cluster.local", o)).toMatchObject({
      kind: "nxdomain",
      reason: "no Service nope in namespace default",
    });
    expect(resolveClusterName("example.com", o).kind).toBe("external");
  });

  it("host-network pods with ClusterFirst use the node's resolver; ClusterFirstWithHostNet uses kube-dns", () => {
    expect(usesClusterDns(pod("a", "h", "10.224.0.4", {}, { hostNetwork: true })).yes).toBe(false);
    expect(
      usesClusterDns(
        pod("a", "h", "10.224.0.4", {}, { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" }),
      ).yes,
    ).toBe(true);
    expect(usesClusterDns(pod("a", "p", "10.244.0.4", {}, { dnsPolicy: "Default" })).yes).toBe(false);
    expect(usesClusterDns(client).yes).toBe(true);
  });
});
