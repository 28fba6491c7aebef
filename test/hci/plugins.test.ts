// Calico vs Flannel by the container-networking table, and NetworkPolicy evaluation.
import { describe, expect, it } from "vitest";
import {
  AKS_POLICY_ENFORCED,
  canReach,
  evaluatePolicies,
  type NetworkPolicy,
  PLUGIN_TABLE,
} from "../../src/hci/plugins.js";

const web = { kind: "pod" as const, namespace: "shop", labels: { app: "web" }, ip: "10.244.0.5" };
const db = { kind: "pod" as const, namespace: "shop", labels: { app: "db" }, ip: "10.244.1.7" };
const other = { kind: "pod" as const, namespace: "dev", labels: { app: "web" }, ip: "10.244.2.9" };

const dbOnlyFromWeb: NetworkPolicy = {
  metadata: { name: "db-from-web", namespace: "shop" },
  spec: {
    podSelector: { matchLabels: { app: "db" } },
    policyTypes: ["Ingress"],
    ingress: [
      { from: [{ podSelector: { matchLabels: { app: "web" } } }], ports: [{ protocol: "TCP", port: 5432 }] },
    ],
  },
};

describe("plugin table", () => {
  it("is the documented matrix", () => {
    expect(PLUGIN_TABLE.flannel).toMatchObject({
      networkPolicy: false,
      ipv6: false,
      podToVmSameNetwork: false,
      podToVmOtherNetwork: true,
      podBlockPrefix: 24,
    });
    expect(PLUGIN_TABLE.calico).toMatchObject({
      networkPolicy: true,
      ipv6: true,
      podToVmSameNetwork: true,
      commandLine: "calicoctl",
      podBlockPrefix: 26,
    });
    expect(AKS_POLICY_ENFORCED).toEqual({ calico: true, azure: true, cilium: true, none: false });
  });
});

describe("canReach", () => {
  it("Calico enforces NetworkPolicy and names the rule", () => {
    expect(
      canReach({ plugin: "calico", from: web, to: db, port: 5432, policies: [dbOnlyFromWeb] }),
    ).toMatchObject({
      allowed: true,
      decidedBy: "policy:shop/db-from-web",
    });
    expect(
      canReach({ plugin: "calico", from: other, to: db, port: 5432, policies: [dbOnlyFromWeb] }),
    ).toMatchObject({
      allowed: false,
      decidedBy: "isolation:shop/db-from-web",
    });
    expect(
      canReach({ plugin: "calico", from: web, to: db, port: 22, policies: [dbOnlyFromWeb] }).allowed,
    ).toBe(false);
  });

  it("Flannel stores NetworkPolicy but enforces none, and says which policy it ignored", () => {
    expect(
      canReach({ plugin: "flannel", from: other, to: db, port: 5432, policies: [dbOnlyFromWeb] }),
    ).toEqual({
      allowed: true,
      decidedBy: "plugin:podToPod",
      reason: expect.stringContaining("does not enforce NetworkPolicy"),
      notEnforced: ["shop/db-from-web"],
    });
  });

  it("Flannel cannot reach a VM in the same network; another network is fine; no IPv6", () => {
    expect(
      canReach({
        plugin: "flannel",
        from: web,
        to: { kind: "vm", sameNetwork: true, ip: "172.16.10.50" },
        port: 443,
      }),
    ).toMatchObject({
      allowed: false,
      decidedBy: "plugin:podToVmSameNetwork",
    });
    expect(
      canReach({ plugin: "flannel", from: web, to: { kind: "vm", sameNetwork: false }, port: 443 }).allowed,
    ).toBe(true);
    expect(
      canReach({ plugin: "calico", from: web, to: { kind: "vm", sameNetwork: true }, port: 443 }),
    ).toMatchObject({
      allowed: true,
      decidedBy: "default",
    });
    expect(canReach({ plugin: "flannel", from: { ...web, ip: "fd00::5" }, to: db, port: 80 })).toMatchObject({
      allowed: false,
      decidedBy: "plugin:ipv6",
    });
  });

  it("egress isolation, namespaceSelector and ipBlock except", () => {
    const egress: NetworkPolicy = {
      metadata: { name: "web-egress", namespace: "shop" },
      spec: {
        podSelector: { matchLabels: { app: "web" } },
        policyTypes: ["Egress"],
        egress: [{ to: [{ ipBlock: { cidr: "172.16.0.0/16", except: ["172.16.10.0/24"] } }] }],
      },
    };
    const vm = (ip: string) => ({ kind: "vm" as const, sameNetwork: false, ip });
    expect(
      evaluatePolicies({ from: web, to: vm("172.16.20.4"), port: 443, policies: [egress] }).decidedBy,
    ).toBe("policy:shop/web-egress");
    expect(
      evaluatePolicies({ from: web, to: vm("172.16.10.4"), port: 443, policies: [egress] }).allowed,
    ).toBe(false);
    const fromDev: NetworkPolicy = {
      metadata: { name: "from-dev", namespace: "shop" },
      spec: {
        podSelector: {},
        ingress: [
          { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "dev" } } }] },
        ],
      },
    };
    expect(evaluatePolicies({ from: other, to: db, port: 80, policies: [fromDev] }).allowed).toBe(true);
    expect(evaluatePolicies({ from: web, to: db, port: 80, policies: [fromDev] }).allowed).toBe(false);
  });
});
