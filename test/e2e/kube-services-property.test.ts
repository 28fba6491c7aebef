// Property (issue 12): random sequences of Service create/update/delete — types, ports,
// internal/DNS-label annotations, source ranges — driven through the Kubernetes API in-process
// (the same KubeApi the wire uses, so admission and the change feed are the real ones) always
// leave, once the controllers settle, the Azure side exactly matching the Services: one frontend
// and its rules per served LoadBalancer Service, one public IP per public one, NSG allow rules
// naming exactly the served frontend addresses; cluster IPs and node ports never shared and held
// only by living Services.
import fc from "fast-check";
import type { Service } from "kubernetes-types/core/v1.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { KubeApi } from "../../src/kube/api.js";
import type { ResourceType } from "../../src/kube/catalog.js";
import { clusterIPPool, nodePortPool, serviceOwner } from "../../src/kube/services/admission.js";
import type { TestEmulator } from "../helpers/emulator.js";
import { type KubeCluster, startKubeEmulator } from "../kube/kube-helpers.js";
import { clusterId, makeCluster, until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;
let api: KubeApi;
let t: ResourceType;
let mc = "";
const API = "api-version=2024-05-01";

beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await makeCluster(emu, "prop", { count: 2 });
  const r = await emu.arm("GET", `${clusterId(emu, "prop")}?${API}`);
  mc = String(((r.body as Record<string, unknown>).properties as Record<string, unknown>).nodeResourceGroup);
  api = new KubeApi(emu.store);
  const found = await api.find(c.uid, "", "v1", "services");
  if (!found) throw new Error("no services type");
  t = found;
}, 120_000);
afterAll(async () => emu?.close());

const NAMES = ["s0", "s1", "s2", "s3"];
const shape = fc.record({
  type: fc.constantFrom("ClusterIP", "NodePort", "LoadBalancer", "LoadBalancer"),
  ports: fc.uniqueArray(fc.constantFrom(80, 443, 8080, 53), { minLength: 1, maxLength: 3 }),
  internal: fc.boolean(),
  dns: fc.boolean(),
  ranges: fc.subarray(["203.0.113.0/24", "198.51.100.0/24"]),
  local: fc.boolean(),
});
const op = fc.record({ name: fc.constantFrom(...NAMES), del: fc.boolean(), shape });

type Shape = typeof shape extends fc.Arbitrary<infer T> ? T : never;

function manifest(name: string, s: Shape) {
  const lb = s.type === "LoadBalancer";
  const annotations: Record<string, string> = {};
  if (lb && s.internal) annotations["service.beta.kubernetes.io/azure-load-balancer-internal"] = "true";
  if (lb && !s.internal && s.dns)
    annotations["service.beta.kubernetes.io/azure-dns-label-name"] = `prop-${name}`;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, annotations },
    spec: {
      type: s.type,
      selector: { app: name },
      ports: s.ports.map((port) => ({ name: `p${port}`, port, protocol: "TCP" })),
      ...(lb && s.ranges.length ? { loadBalancerSourceRanges: s.ranges } : {}),
      ...(lb && s.local ? { externalTrafficPolicy: "Local" } : {}),
    },
  };
}

async function armList(p: string) {
  const r = await emu.arm(
    "GET",
    `/subscriptions/${emu.subscriptionId}/resourceGroups/${mc}/providers/Microsoft.Network/${p}?${API}`,
  );
  return r.status === 200 ? (r.body as Record<string, unknown>) : undefined;
}

/** undefined while the Azure side (or a status) is not yet what the Services ask. */
async function mismatch(): Promise<string | undefined> {
  const { items } = await api.list(c.uid, t, "default", {});
  const svcs = (items as Service[]).filter((s) => NAMES.includes(s.metadata?.name ?? ""));
  const lbs = svcs.filter((s) => s.spec?.type === "LoadBalancer");
  const fe = (s: Service) => `a${String(s.metadata?.uid).replaceAll("-", "")}`.slice(0, 32);
  const rulesOf = async (lbName: string) => {
    const lb = await armList(`loadBalancers/${lbName}`);
    const p = (lb?.properties ?? {}) as {
      loadBalancingRules?: { name: string }[];
      frontendIPConfigurations?: { name: string }[];
    };
    return {
      rules: (p.loadBalancingRules ?? []).map((r) => r.name).sort(),
      fes: (p.frontendIPConfigurations ?? [])
        .map((f) => f.name)
        .filter((n) => /^a[0-9a-f]{31}/.test(n))
        .sort(),
    };
  };
  const pub = lbs.filter(
    (s) => !s.metadata?.annotations?.["service.beta.kubernetes.io/azure-load-balancer-internal"],
  );
  const int = lbs.filter(
    (s) => s.metadata?.annotations?.["service.beta.kubernetes.io/azure-load-balancer-internal"],
  );
  const want = (list: Service[]) => ({
    rules: list.flatMap((s) => (s.spec?.ports ?? []).map((p) => `${fe(s)}-TCP-${p.port}`)).sort(),
    fes: list.map(fe).sort(),
  });
  const gotPub = await rulesOf("kubernetes");
  if (JSON.stringify(gotPub) !== JSON.stringify(want(pub))) return `public LB ${JSON.stringify(gotPub)}`;
  const gotInt = int.length ? await rulesOf("kubernetes-internal") : { rules: [], fes: [] };
  if (JSON.stringify(gotInt) !== JSON.stringify(want(int))) return `internal LB ${JSON.stringify(gotInt)}`;
  if (!int.length && (await armList("loadBalancers/kubernetes-internal"))) return "internal LB left behind";
  const pips = ((await armList("publicIPAddresses"))?.value ?? []) as {
    name: string;
    tags?: Record<string, string>;
    properties: { ipAddress?: string; dnsSettings?: { domainNameLabel?: string } };
  }[];
  const svcPips = pips.filter((p) => p.tags?.["k8s-azure-service"]);
  if (
    JSON.stringify(svcPips.map((p) => p.name).sort()) !==
    JSON.stringify(pub.map((s) => `kubernetes-${fe(s)}`).sort())
  )
    return `pips ${svcPips.map((p) => p.name)}`;
  for (const s of pub) {
    const p = svcPips.find((x) => x.name === `kubernetes-${fe(s)}`);
    const label = s.metadata?.annotations?.["service.beta.kubernetes.io/azure-dns-label-name"];
    if ((p?.properties.dnsSettings?.domainNameLabel ?? undefined) !== label)
      return `dns label of ${s.metadata?.name}`;
  }
  // Statuses, and the NSG naming exactly the served addresses (per source).
  const served = new Map<string, string[]>();
  for (const s of lbs) {
    const ip = s.status?.loadBalancer?.ingress?.[0]?.ip;
    if (!ip) return `no ingress yet for ${s.metadata?.name}`;
    // cloud-provider-azure: ranges replace Internet; an internal Service without ranges gets no
    // allow rule at all (the VNet's default rule lets the VNet in).
    const internal = s.metadata?.annotations?.["service.beta.kubernetes.io/azure-load-balancer-internal"];
    const srcs = s.spec?.loadBalancerSourceRanges?.length
      ? s.spec.loadBalancerSourceRanges
      : internal
        ? []
        : ["Internet"];
    for (const src of srcs) served.set(src, [...(served.get(src) ?? []), ip]);
  }
  for (const s of svcs)
    if (s.spec?.type !== "LoadBalancer" && s.status?.loadBalancer?.ingress?.length) return "stale ingress";
  const nsg = (((await armList("networkSecurityGroups"))?.value ?? []) as { name: string }[])[0];
  const rules = (
    ((await armList(`networkSecurityGroups/${nsg.name}/securityRules`))?.value ?? []) as {
      name: string;
      properties: {
        sourceAddressPrefix?: string;
        sourceAddressPrefixes?: string[];
        destinationAddressPrefix?: string;
        destinationAddressPrefixes?: string[];
      };
    }[]
  ).filter((r) => r.name.startsWith("k8s-azure-lb_allow"));
  const got = new Map<string, Set<string>>();
  for (const r of rules) {
    const srcs = r.properties.sourceAddressPrefixes?.length
      ? r.properties.sourceAddressPrefixes
      : [r.properties.sourceAddressPrefix ?? ""];
    const dsts = r.properties.destinationAddressPrefixes?.length
      ? r.properties.destinationAddressPrefixes
      : [r.properties.destinationAddressPrefix ?? ""];
    for (const src of srcs) for (const d of dsts) got.set(src, new Set([...(got.get(src) ?? []), d]));
  }
  const norm = (m: Map<string, Iterable<string>>) =>
    JSON.stringify([...m].map(([k, v]) => [k, [...new Set(v)].sort()]).sort());
  if (norm(got) !== norm(served)) return `nsg ${norm(got)} want ${norm(served)}`;
  return undefined;
}

// (Seed 12 once "failed" here because this model wanted Internet → an internal frontend; real
// cloud-provider-azure opens nothing for an internal Service without source ranges.)
it("random Service sequences leave LBs, NSG rules and public IPs exactly matching the Services", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 3, maxLength: 6 }), async (ops) => {
      for (const o of ops) {
        const cur = await api.get(c.uid, t, "default", o.name).catch(() => undefined);
        if (o.del) {
          if (cur) await api.delete(c.uid, t, "default", o.name, {});
          continue;
        }
        const m = manifest(o.name, o.shape);
        if (!cur) await api.create(c.uid, t, "default", m, {});
        else {
          // A type change keeps what the server allocated (as `kubectl apply` does through a patch).
          const next = {
            ...m,
            metadata: { ...(cur.metadata as object), annotations: m.metadata.annotations },
          };
          await api.update(c.uid, t, "default", o.name, next, {});
        }
      }
      let last: string | undefined = "not checked";
      await until(async () => {
        last = await mismatch();
        return last === undefined ? true : undefined;
      }, 20_000).catch(() => {
        throw new Error(`did not converge: ${last}`);
      });
      // Allocation rows: unique by construction; held only by living Services, and each Service's
      // cluster IP and node ports are its rows.
      const { items } = await api.list(c.uid, t, undefined, {});
      const svcs = items as Service[];
      const rows = await emu.store.read(async (tx) => [
        ...(await tx.listAllocations(clusterIPPool(c.uid))),
        ...(await tx.listAllocations(nodePortPool(c.uid))),
      ]);
      const owners = new Set(svcs.map((s) => serviceOwner(c.uid, s.metadata?.uid ?? "")));
      await until(async () => {
        const r = await emu.store.read(async (tx) => tx.listAllocations(clusterIPPool(c.uid)));
        return r.every((a) => owners.has(a.owner)) ? true : undefined;
      }, 10_000);
      for (const s of svcs) {
        const mine = rows
          .filter((a) => a.owner === serviceOwner(c.uid, s.metadata?.uid ?? ""))
          .map((a) => a.item);
        const expected = [
          ...(s.spec?.clusterIPs ?? []).filter((x) => x !== "None"),
          ...new Set(
            (s.spec?.ports ?? [])
              .map((p) => p.nodePort)
              .filter((p) => p !== undefined)
              .map(String),
          ),
          ...(s.spec?.healthCheckNodePort ? [String(s.spec.healthCheckNodePort)] : []),
        ].sort();
        expect(mine.sort()).toEqual(expected);
      }
    }),
    {
      numRuns: Number(process.env.AKSNET_PROP_RUNS ?? 3),
      seed: Number(process.env.AKSNET_PROP_SEED ?? 12),
      endOnFailure: true,
    },
  );
}, 600_000);
