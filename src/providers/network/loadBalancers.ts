// Microsoft.Network/loadBalancers, kept modest: Standard SKU only (Basic load balancers
// are retired), frontends on a public IP (held by the frontend, one holder per IP) or on
// a subnet (an address owned by the frontend id), backend pools, probes, load-balancing
// and outbound rules whose references must point at this load balancer's own parts.
import type { ResourceRecord } from "../../store/types.js";
import { asObject, field, normalizeLocation, propertiesOf, readTags } from "../common.js";
import type { ArmContext } from "../context.js";
import { badRequest, invalidRequestContent } from "../errors.js";
import type { Wire } from "../registry.js";
import {
  invalidResourceReference,
  missingProperty,
  rulesUseSameBackendPortProtocolAndPool,
} from "./errors.js";
import { attachPublicIP, detachPublicIPs } from "./publicIPAddresses.js";
import {
  checkSameLocation,
  idOfType,
  makeHandler,
  propsOf,
  readNamedEntries,
  readRefList,
  requireReferenced,
  saveRecord,
  TYPES,
  trackedBody,
} from "./shared.js";
import { ensureOwnerAddress } from "./subnets.js";

const PART_TYPES = {
  frontendIPConfigurations: "frontendIPConfigurations",
  backendAddressPools: "backendAddressPools",
  probes: "probes",
  loadBalancingRules: "loadBalancingRules",
  outboundRules: "outboundRules",
  inboundNatRules: "inboundNatRules",
} as const;
type Part = keyof typeof PART_TYPES;

function frontendIds(rec: ResourceRecord | undefined): string[] {
  if (!rec) return [];
  return ((propsOf(rec).frontendIPConfigurations as { id: string }[] | undefined) ?? []).map((f) => f.id);
}

function port(
  obj: Record<string, unknown>,
  key: string,
  path: string,
  min: number,
  max: number,
  required: boolean,
) {
  const v = field.int(obj, key, `${path}.${key}`);
  if (v === undefined) {
    if (required) throw missingProperty(`${path}.${key}`, "the property");
    return undefined;
  }
  if (v < min || v > max)
    throw invalidRequestContent(
      `'${path}.${key}' must be between ${min} and ${max}; got ${v}.`,
      `${path}.${key}`,
    );
  return v;
}

/** Validates and writes a load balancer from its wire body. */
export async function writeLoadBalancer(
  ctx: ArmContext,
  id: string,
  body: Record<string, unknown>,
  existing?: ResourceRecord,
): Promise<ResourceRecord> {
  idOfType(id, TYPES.lb, "id");
  const location = normalizeLocation(ctx, body.location) as string;
  checkSameLocation(existing, location);
  const lbId = existing?.id ?? id;
  const sku = field.object(body, "sku", "sku");
  const skuName = sku
    ? field.enumOf(sku, "name", "sku.name", ["Basic", "Standard", "Gateway"] as const)
    : undefined;
  if (skuName === "Basic")
    throw badRequest(
      "BasicSkuLoadBalancerNotSupported",
      "Basic SKU load balancers are retired and can no longer be created. Use sku 'Standard'.",
      "sku.name",
    );
  const props = propertiesOf(body);
  const parts = {} as Record<Part, { name: string; props: Record<string, unknown>; path: string }[]>;
  // Lower-cased name → the name as written, per part kind: references resolve in O(1), so a
  // load balancer with thousands of rules validates in linear time.
  const names = {} as Record<Part, Map<string, string>>;
  for (const p of Object.keys(PART_TYPES) as Part[]) {
    parts[p] = readNamedEntries(props, p, `properties.${p}`) ?? [];
    names[p] = new Map(parts[p].map((e) => [e.name.toLowerCase(), e.name]));
  }
  const partId = (p: Part, name: string) => `${lbId}/${PART_TYPES[p]}/${name}`;
  /** A reference must name one of this load balancer's own parts of the right kind. */
  const ownRef = (p: Part, ref: string | undefined, path: string): Wire | undefined => {
    if (ref === undefined) return undefined;
    const prefix = `${lbId}/${PART_TYPES[p]}/`.toLowerCase();
    const name = ref.toLowerCase().startsWith(prefix) ? ref.slice(prefix.length) : "";
    if (!name || name.includes("/") || !names[p].has(name.toLowerCase()))
      throw invalidResourceReference(ref, lbId, path);
    return { id: partId(p, names[p].get(name.toLowerCase()) ?? name) };
  };

  const newFrontends = new Set(
    parts.frontendIPConfigurations.map((f) => partId("frontendIPConfigurations", f.name).toLowerCase()),
  );
  for (const old of frontendIds(existing))
    if (!newFrontends.has(old.toLowerCase())) await ctx.tx.releaseOwner(old);

  const out: Wire = {};
  const frontends: Wire[] = [];
  for (const f of parts.frontendIPConfigurations) {
    const fid = partId("frontendIPConfigurations", f.name);
    const pipId = field.ref(f.props, "publicIPAddress", `${f.path}.publicIPAddress`);
    const subnetId = field.ref(f.props, "subnet", `${f.path}.subnet`);
    if (!pipId === !subnetId)
      throw invalidRequestContent(
        `Frontend '${f.name}' needs exactly one of 'publicIPAddress' and 'subnet'.`,
        `${f.path}.publicIPAddress`,
      );
    const fp: Wire = { provisioningState: "Succeeded" };
    await detachPublicIPs(ctx, fid);
    if (pipId) {
      fp.publicIPAddress = {
        id: await attachPublicIP(ctx, pipId, fid, location, `${f.path}.publicIPAddress.id`),
      };
    } else if (subnetId) {
      const subnet = await requireReferenced(ctx, subnetId, TYPES.subnet, fid, `${f.path}.subnet.id`);
      const requested = field.string(f.props, "privateIPAddress", `${f.path}.privateIPAddress`);
      const method = field.enumOf(
        f.props,
        "privateIPAllocationMethod",
        `${f.path}.privateIPAllocationMethod`,
        ["Static", "Dynamic"] as const,
      );
      const want = method === "Static" ? requested : undefined;
      fp.privateIPAddress = await ensureOwnerAddress(ctx, subnet.id, fid, want, `${f.path}.privateIPAddress`);
      fp.privateIPAllocationMethod = want ? "Static" : "Dynamic";
      fp.subnet = { id: subnet.id };
    }
    frontends.push({ name: f.name, id: fid, properties: fp });
  }
  out.frontendIPConfigurations = frontends;
  out.backendAddressPools = parts.backendAddressPools.map((b) => ({
    name: b.name,
    id: partId("backendAddressPools", b.name),
    properties: { provisioningState: "Succeeded" },
  }));
  out.probes = parts.probes.map((p) => ({
    name: p.name,
    id: partId("probes", p.name),
    properties: {
      provisioningState: "Succeeded",
      protocol:
        field.enumOf(p.props, "protocol", `${p.path}.protocol`, ["Tcp", "Http", "Https"] as const) ?? "Tcp",
      port: port(p.props, "port", p.path, 1, 65535, true),
      intervalInSeconds: field.int(p.props, "intervalInSeconds", `${p.path}.intervalInSeconds`) ?? 15,
      numberOfProbes: field.int(p.props, "numberOfProbes", `${p.path}.numberOfProbes`) ?? 2,
      ...(field.string(p.props, "requestPath", `${p.path}.requestPath`)
        ? { requestPath: p.props.requestPath }
        : {}),
    },
  }));
  out.loadBalancingRules = parts.loadBalancingRules.map((r) => {
    const fe = ownRef(
      "frontendIPConfigurations",
      field.ref(r.props, "frontendIPConfiguration", `${r.path}.frontendIPConfiguration`),
      `${r.path}.frontendIPConfiguration.id`,
    );
    if (!fe) throw missingProperty(`${r.path}.frontendIPConfiguration`, "the rule property");
    const protocol = field.enumOf(r.props, "protocol", `${r.path}.protocol`, ["Tcp", "Udp", "All"] as const);
    if (!protocol) throw missingProperty(`${r.path}.protocol`, "the rule property");
    const rp: Wire = {
      provisioningState: "Succeeded",
      frontendIPConfiguration: fe,
      protocol,
      frontendPort: port(r.props, "frontendPort", r.path, 0, 65534, true),
      backendPort: port(r.props, "backendPort", r.path, 0, 65535, false),
      enableFloatingIP: field.bool(r.props, "enableFloatingIP", `${r.path}.enableFloatingIP`) ?? false,
      idleTimeoutInMinutes: field.int(r.props, "idleTimeoutInMinutes", `${r.path}.idleTimeoutInMinutes`) ?? 4,
      disableOutboundSnat:
        field.bool(r.props, "disableOutboundSnat", `${r.path}.disableOutboundSnat`) ?? false,
      enableTcpReset: field.bool(r.props, "enableTcpReset", `${r.path}.enableTcpReset`) ?? false,
      loadDistribution:
        field.enumOf(r.props, "loadDistribution", `${r.path}.loadDistribution`, [
          "Default",
          "SourceIP",
          "SourceIPProtocol",
        ] as const) ?? "Default",
    };
    const pool = ownRef(
      "backendAddressPools",
      field.ref(r.props, "backendAddressPool", `${r.path}.backendAddressPool`),
      `${r.path}.backendAddressPool.id`,
    );
    if (pool) rp.backendAddressPool = pool;
    const probe = ownRef("probes", field.ref(r.props, "probe", `${r.path}.probe`), `${r.path}.probe.id`);
    if (probe) rp.probe = probe;
    return { name: r.name, id: partId("loadBalancingRules", r.name), properties: rp };
  });
  // Without floating IP the backend port is what tells flows apart on a pool: two rules may not
  // share it (with the protocol) on the same pool.
  const byBackend = new Map<string, Wire>();
  (out.loadBalancingRules as Wire[]).forEach((r, i) => {
    const rp = r.properties as Wire;
    const pool = (rp.backendAddressPool as Wire | undefined)?.id;
    if (rp.enableFloatingIP || !pool || !rp.backendPort) return;
    const key = `${String(pool).toLowerCase()}|${String(rp.protocol)}|${String(rp.backendPort)}`;
    const first = byBackend.get(key);
    if (first)
      throw rulesUseSameBackendPortProtocolAndPool(
        String(first.id),
        String(r.id),
        String(rp.protocol),
        Number(rp.backendPort),
        String(pool),
        `properties.loadBalancingRules[${i}].properties.backendPort`,
      );
    byBackend.set(key, r);
  });
  out.outboundRules = parts.outboundRules.map((o) => {
    const fes = readRefList(o.props, "frontendIPConfigurations", `${o.path}.frontendIPConfigurations`).map(
      (f, i) => ownRef("frontendIPConfigurations", f, `${o.path}.frontendIPConfigurations[${i}].id`),
    );
    if (fes.length === 0)
      throw missingProperty(`${o.path}.frontendIPConfigurations`, "at least one entry in");
    const pool = ownRef(
      "backendAddressPools",
      field.ref(o.props, "backendAddressPool", `${o.path}.backendAddressPool`),
      `${o.path}.backendAddressPool.id`,
    );
    if (!pool) throw missingProperty(`${o.path}.backendAddressPool`, "the outbound rule property");
    return {
      name: o.name,
      id: partId("outboundRules", o.name),
      properties: {
        provisioningState: "Succeeded",
        frontendIPConfigurations: fes,
        backendAddressPool: pool,
        protocol:
          field.enumOf(o.props, "protocol", `${o.path}.protocol`, ["Tcp", "Udp", "All"] as const) ?? "All",
        allocatedOutboundPorts:
          field.int(o.props, "allocatedOutboundPorts", `${o.path}.allocatedOutboundPorts`) ?? 0,
        idleTimeoutInMinutes:
          field.int(o.props, "idleTimeoutInMinutes", `${o.path}.idleTimeoutInMinutes`) ?? 30,
        enableTcpReset: field.bool(o.props, "enableTcpReset", `${o.path}.enableTcpReset`) ?? true,
      },
    };
  });
  // Inbound NAT rules: one frontend port to one backend ip configuration (which joins the rule
  // from its NIC), or — with a backend pool — a frontend port range mapped across the pool.
  out.inboundNatRules = parts.inboundNatRules.map((n) => {
    const fe = ownRef(
      "frontendIPConfigurations",
      field.ref(n.props, "frontendIPConfiguration", `${n.path}.frontendIPConfiguration`),
      `${n.path}.frontendIPConfiguration.id`,
    );
    if (!fe) throw missingProperty(`${n.path}.frontendIPConfiguration`, "the inbound NAT rule property");
    const protocol = field.enumOf(n.props, "protocol", `${n.path}.protocol`, ["Tcp", "Udp", "All"] as const);
    if (!protocol) throw missingProperty(`${n.path}.protocol`, "the inbound NAT rule property");
    const pool = ownRef(
      "backendAddressPools",
      field.ref(n.props, "backendAddressPool", `${n.path}.backendAddressPool`),
      `${n.path}.backendAddressPool.id`,
    );
    const start = port(n.props, "frontendPortRangeStart", n.path, 1, 65534, false);
    const end = port(n.props, "frontendPortRangeEnd", n.path, 1, 65534, false);
    const np: Wire = {
      provisioningState: "Succeeded",
      frontendIPConfiguration: fe,
      protocol,
      backendPort: port(n.props, "backendPort", n.path, 1, 65535, true),
      enableFloatingIP: field.bool(n.props, "enableFloatingIP", `${n.path}.enableFloatingIP`) ?? false,
      idleTimeoutInMinutes: field.int(n.props, "idleTimeoutInMinutes", `${n.path}.idleTimeoutInMinutes`) ?? 4,
      enableTcpReset: field.bool(n.props, "enableTcpReset", `${n.path}.enableTcpReset`) ?? false,
    };
    if (pool) {
      if (start === undefined || end === undefined || end < start)
        throw invalidRequestContent(
          `An inbound NAT rule with a backend pool needs '${n.path}.frontendPortRangeStart' and '${n.path}.frontendPortRangeEnd' (start <= end).`,
          `${n.path}.frontendPortRangeStart`,
        );
      Object.assign(np, {
        backendAddressPool: pool,
        frontendPortRangeStart: start,
        frontendPortRangeEnd: end,
      });
    } else np.frontendPort = port(n.props, "frontendPort", n.path, 1, 65534, true);
    return { name: n.name, id: partId("inboundNatRules", n.name), properties: np };
  });
  out.inboundNatPools = [];
  linkParts(out);
  return saveRecord(
    ctx,
    {
      id: lbId,
      type: TYPES.lb,
      body: trackedBody(lbId, TYPES.lb, location, readTags(body) ?? {}, out, {
        sku: { name: "Standard", tier: "Regional" },
      }),
    },
    existing,
  );
}

/**
 * What Azure adds to every part when it answers: the part's `type`, defaults (a probe's
 * `probeThreshold`, a private frontend's `privateIPAddressVersion`) and the back-references —
 * a frontend, pool or probe lists the rules that use it. Derived from the parts in the same
 * body, so they cannot drift.
 */
function linkParts(out: Wire): void {
  const parts = (k: string) => (out[k] as Wire[] | undefined) ?? [];
  for (const k of Object.values(PART_TYPES)) for (const part of parts(k)) part.type = `${TYPES.lb}/${k}`;
  const back = new Map<string, Map<string, { id: string }[]>>();
  const link = (target: unknown, kind: string, ruleId: string) => {
    const id = (target as { id?: unknown } | undefined)?.id;
    if (typeof id !== "string") return;
    const byKind = back.get(id.toLowerCase()) ?? new Map<string, { id: string }[]>();
    const list = byKind.get(kind) ?? [];
    if (!list.some((x) => x.id === ruleId)) list.push({ id: ruleId });
    byKind.set(kind, list);
    back.set(id.toLowerCase(), byKind);
  };
  for (const r of parts("loadBalancingRules")) {
    const rp = r.properties as Wire;
    for (const k of ["frontendIPConfiguration", "backendAddressPool", "probe"])
      link(rp[k], "loadBalancingRules", String(r.id));
  }
  for (const n of parts("inboundNatRules")) {
    const np = n.properties as Wire;
    link(np.frontendIPConfiguration, "inboundNatRules", String(n.id));
    link(np.backendAddressPool, "inboundNatRules", String(n.id));
  }
  for (const o of parts("outboundRules")) {
    const op = o.properties as Wire;
    for (const f of (op.frontendIPConfigurations as Wire[] | undefined) ?? [])
      link(f, "outboundRules", String(o.id));
    link(op.backendAddressPool, "outboundRules", String(o.id));
  }
  for (const k of ["frontendIPConfigurations", "backendAddressPools", "probes"])
    for (const part of parts(k)) {
      const pp = part.properties as Wire;
      for (const [kind, ids] of back.get(String(part.id).toLowerCase()) ?? []) pp[kind] = ids;
      if (k === "probes") pp.probeThreshold ??= 1;
      if (k === "frontendIPConfigurations" && pp.subnet) pp.privateIPAddressVersion ??= "IPv4";
    }
}

export async function removeLoadBalancer(ctx: ArmContext, rec: ResourceRecord): Promise<void> {
  for (const id of frontendIds(rec)) await ctx.tx.releaseOwner(id);
  await ctx.tx.deleteResource(rec.id);
}

export const loadBalancers = makeHandler({
  type: TYPES.lb,
  tracked: true,
  cascadeOrder: 100,
  async putWire(ctx, id, body, existing) {
    return writeLoadBalancer(ctx, id, asObject(body), existing);
  },
  async present(_ctx, rec) {
    return structuredClone(rec.body);
  },
  async remove(ctx, rec) {
    await removeLoadBalancer(ctx, rec);
  },
});
