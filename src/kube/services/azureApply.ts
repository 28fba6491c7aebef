// The service controller's Azure half: brings a cluster's node resource group to what its
// LoadBalancer Services need — public IPs, frontends, rules and probes on `kubernetes` /
// `kubernetes-internal`, and the shared NSG rules — through providers/network/internal.ts, in the
// caller's transaction (a failure changes nothing). It is a full reconcile: given every
// LoadBalancer Service of the cluster it removes what no Service needs any more (rules, probes,
// frontends, the IPs a Service created; never a user's IP), so create, update and delete are the
// same call. Services naming one public IP share its frontend (the first one's), each with its own rules.
import { hasPermission } from "../../providers/authorization/permissions.js";
import { rgId } from "../../providers/common.js";
import { infraIds } from "../../providers/containerservice/nodeResourceGroup.js";
import { getCluster } from "../../providers/containerservice/records.js";
import type { ArmContext } from "../../providers/context.js";
import { ArmError } from "../../providers/errors.js";
import {
  applySecurityRules,
  deleteNetworkResource,
  listSecurityRules,
  putLoadBalancer,
  putPublicIPAddress,
} from "../../providers/network/internal.js";
import type { ResourceRecord } from "../../store/types.js";
import { type DesiredServiceLoadBalancer, SHARED_PROBE } from "./azureLoadBalancer.js";
import { planSecurityRules, type ServiceFrontends } from "./securityRules.js";

type Obj = Record<string, unknown>;

export const SERVICE_TAG = "k8s-azure-service";
export const CLUSTER_NAME_TAG = "k8s-azure-cluster-name";
export const DNS_LABEL_SERVICE_TAG = "k8s-azure-dns-label-service";

export interface ServiceLbOutcome {
  /** `status.loadBalancer.ingress[0]` when the Service is served. */
  ingressIP?: string;
  /** The `SyncLoadBalancerFailed` message when it is not. */
  error?: string;
}

/** An Azure refusal as the provider words it in `SyncLoadBalancerFailed` (its retriable-error text). */
export function syncFailure(e: ArmError): string {
  return `Retriable: false, RetryAfter: 0s, HTTPStatusCode: ${e.status}, RawError: ${JSON.stringify(e.toBody())}`;
}

/**
 * Runs `attempt` (one transaction each call) so that one Service Azure refuses never stops the
 * others, as the provider reconciles each Service on its own: first all of them together; if Azure
 * refuses that, Services are added one at a time, in order, each trial rolled back, and one whose
 * addition is refused is left out with its error; the rest are then applied together.
 */
export async function applyEachServiceLoadBalancer<T>(
  services: readonly DesiredServiceLoadBalancer[],
  attempt: (set: readonly DesiredServiceLoadBalancer[], commit: boolean) => Promise<T>,
): Promise<{ result: T; refused: Map<string, string> }> {
  const refused = new Map<string, string>();
  try {
    return { result: await attempt(services, true), refused };
  } catch (e) {
    if (!(e instanceof ArmError)) throw e;
  }
  const accepted: DesiredServiceLoadBalancer[] = [];
  for (const lb of services) {
    try {
      await attempt([...accepted, lb], false);
      accepted.push(lb);
    } catch (e) {
      if (!(e instanceof ArmError)) throw e;
      refused.set(lb.service, syncFailure(e));
    }
  }
  return { result: await attempt(accepted, true), refused };
}

/** Frontends, rules and probes cloud-provider-azure owns are named `a` + 31 hex digits (a Service UID). */
const SERVICE_PART = /^a[0-9a-f]{31}/;

const props = (o: Obj | undefined): Obj => ((o?.properties as Obj | undefined) ?? {}) as Obj;
const lower = (s: string) => s.toLowerCase();

async function clusterOf(ctx: ArmContext, clusterId: string) {
  const found = await getCluster(ctx, clusterId);
  if (!found) throw new Error(`cluster ${clusterId} not found`);
  const { rec, internal } = found;
  const ids = infraIds(ctx, String(rec.body.name), internal);
  return { rec, internal, ids, location: String(rec.body.location) };
}

/** The public IPs of resource groups, each group listed once per reconcile (not once per Service). */
class PublicIPIndex {
  private readonly groups = new Map<string, ResourceRecord[]>();
  constructor(private readonly ctx: ArmContext) {}

  async inGroup(rg: string): Promise<ResourceRecord[]> {
    const key = lower(rg);
    let recs = this.groups.get(key);
    if (!recs) {
      recs = await this.ctx.tx.listResources({
        type: "Microsoft.Network/publicIPAddresses",
        subscriptionId: this.ctx.subscriptionId,
        resourceGroup: rg,
      });
      this.groups.set(key, recs);
    }
    return recs;
  }

  add(rg: string, rec: ResourceRecord): void {
    this.groups.get(lower(rg))?.push(rec);
  }
}

/**
 * The public IP a Service's frontend uses: the user's (by address or name), or ours, created on first
 * need. Throws a message string the caller reports as `SyncLoadBalancerFailed`.
 */
async function ensurePublicIP(
  ctx: ArmContext,
  cluster: Awaited<ReturnType<typeof clusterOf>>,
  lb: DesiredServiceLoadBalancer,
  index: PublicIPIndex,
): Promise<{ id: string; address: string }> {
  const pip = lb.publicIP;
  if (!pip) throw new Error("not a public service");
  const rgName = pip.resourceGroup ?? cluster.internal.spec.nodeResourceGroup;
  const rgIdOf = rgId(ctx.subscriptionId, rgName);
  const inGroup = await index.inGroup(rgName);
  let rec = pip.requestedAddress
    ? inGroup.find((r) => props(r.body).ipAddress === pip.requestedAddress)
    : inGroup.find((r) => lower(String(r.body.name)) === lower(pip.name));
  if (!rec && pip.requestedAddress) {
    throw `user supplied IP address ${pip.requestedAddress} was not found in resource group ${rgName}`;
  }
  if (rec && lower(rgName) !== lower(cluster.internal.spec.nodeResourceGroup)) {
    const principal = cluster.internal.spec.identity.principalId;
    const action = "Microsoft.Network/publicIPAddresses/join/action";
    if (!principal || !(await hasPermission(ctx, principal, rec.id, action))) {
      throw `Retriable: false, RetryAfter: 0s, HTTPStatusCode: 403, RawError: {"error":{"code":"LinkedAuthorizationFailed","message":"The client '${principal ?? ""}' with object id '${principal ?? ""}' has permission to perform action 'Microsoft.Network/loadBalancers/write' on scope '${cluster.ids.lbId}'; however, it does not have permission to perform action(s) '${action}' on the linked scope(s) '${rec.id}' (respectively) or the linked scope(s) are invalid."}}`;
    }
  }
  // Our own IP follows the Service's DNS label (set, changed or removed), as the provider does.
  const ours = rec && (rec.body.tags as Record<string, string> | undefined)?.[SERVICE_TAG] === lb.service;
  const label = (props(rec?.body).dnsSettings as { domainNameLabel?: string } | undefined)?.domainNameLabel;
  if (rec && ours && label !== pip.dnsLabel) {
    const tags: Record<string, string> = {
      [SERVICE_TAG]: lb.service,
      [CLUSTER_NAME_TAG]: lb.backendPoolName,
    };
    if (pip.dnsLabel) tags[DNS_LABEL_SERVICE_TAG] = lb.service;
    await putPublicIPAddress(ctx, rec.id, {
      location: cluster.location,
      tags,
      ...(pip.dnsLabel ? { dnsSettings: { domainNameLabel: pip.dnsLabel } } : {}),
    });
    rec = (await ctx.tx.getResource(rec.id)) ?? rec;
  }
  if (!rec) {
    const id = `${rgIdOf}/providers/Microsoft.Network/publicIPAddresses/${pip.name}`;
    const tags: Record<string, string> = {
      [SERVICE_TAG]: lb.service,
      [CLUSTER_NAME_TAG]: lb.backendPoolName,
    };
    if (pip.dnsLabel) tags[DNS_LABEL_SERVICE_TAG] = lb.service;
    await putPublicIPAddress(ctx, id, {
      location: cluster.location,
      tags,
      ...(pip.dnsLabel ? { dnsSettings: { domainNameLabel: pip.dnsLabel } } : {}),
    });
    rec = await ctx.tx.getResource(id);
    if (!rec) throw new Error(`public IP ${id} was not stored`);
    index.add(rgName, rec);
  }
  return { id: rec.id, address: String(props(rec.body).ipAddress) };
}

/** `frontend` undefined: the Service's rules go on another Service's frontend (`frontendName`). */
function lbParts(
  lbId: string,
  lb: DesiredServiceLoadBalancer,
  frontend: Obj | undefined,
  frontendName = lb.frontendName,
) {
  const feId = `${lbId}/frontendIPConfigurations/${frontendName}`;
  const poolId = `${lbId}/backendAddressPools/${lb.backendPoolName}`;
  const probes = lb.probes.map((p) => ({
    name: p.name,
    properties: {
      protocol: p.protocol,
      port: p.port,
      intervalInSeconds: p.intervalInSeconds,
      numberOfProbes: p.probeThreshold,
      probeThreshold: p.probeThreshold,
      ...(p.requestPath ? { requestPath: p.requestPath } : {}),
    },
  }));
  const rules = lb.rules.map((r) => ({
    name: r.name,
    properties: {
      frontendIPConfiguration: { id: feId },
      backendAddressPool: { id: poolId },
      protocol: r.protocol,
      frontendPort: r.frontendPort,
      backendPort: r.backendPort,
      enableFloatingIP: r.enableFloatingIP,
      idleTimeoutInMinutes: r.idleTimeoutInMinutes,
      disableOutboundSnat: r.disableOutboundSnat,
      loadDistribution: r.loadDistribution,
      ...(r.enableTcpReset === undefined ? {} : { enableTcpReset: r.enableTcpReset }),
      ...(r.probe ? { probe: { id: `${lbId}/probes/${r.probe}` } } : {}),
    },
  }));
  return { frontend: frontend && { name: lb.frontendName, properties: frontend }, probes, rules };
}

/** Rewrites one load balancer: parts of the Services given replace every Service-owned part it held. */
async function writeServiceParts(
  ctx: ArmContext,
  lbId: string,
  location: string,
  parts: ReturnType<typeof lbParts>[],
  backendPool: string,
): Promise<Obj | undefined> {
  const existing = await ctx.tx.getResource(lbId);
  if (!existing && parts.length === 0) return undefined;
  const body = (existing?.body ?? {
    location,
    sku: { name: "Standard", tier: "Regional" },
    properties: { backendAddressPools: [{ name: backendPool }] },
  }) as Obj;
  const p = props(body);
  // The shared probe is ours too: it stays while some Service given still uses it.
  const keep = (list: unknown) =>
    ((list ?? []) as Obj[]).filter(
      (x) => !SERVICE_PART.test(String(x.name)) && String(x.name) !== SHARED_PROBE.name,
    );
  const probes = new Map<string, Obj>();
  for (const x of [...keep(p.probes), ...parts.flatMap((x) => x.probes)]) probes.set(String(x.name), x);
  const frontends = [...keep(p.frontendIPConfigurations), ...parts.flatMap((x) => x.frontend ?? [])];
  if (existing && frontends.length === 0) {
    // An internal LB with no Service left goes away, as the provider deletes it.
    await deleteNetworkResource(ctx, lbId);
    return undefined;
  }
  const next = {
    ...body,
    properties: {
      ...p,
      frontendIPConfigurations: frontends,
      loadBalancingRules: [...keep(p.loadBalancingRules), ...parts.flatMap((x) => x.rules)],
      probes: [...probes.values()],
    },
  };
  return putLoadBalancer(ctx, lbId, next);
}

/**
 * Reconciles the cluster's load balancers, public IPs and NSG rules to exactly `services` (every
 * LoadBalancer Service of the cluster, in a stable order). Returns each Service's outcome by
 * `<namespace>/<name>`.
 */
export async function applyServiceLoadBalancers(
  ctx: ArmContext,
  clusterId: string,
  services: readonly DesiredServiceLoadBalancer[],
): Promise<Map<string, ServiceLbOutcome>> {
  const cluster = await clusterOf(ctx, clusterId);
  const out = new Map<string, ServiceLbOutcome>();
  const publicParts: ReturnType<typeof lbParts>[] = [];
  const internalParts: { lb: DesiredServiceLoadBalancer; parts: ReturnType<typeof lbParts> }[] = [];
  const internalLbId = `${cluster.ids.lbId}-internal`;
  const usedPips = new Set<string>();
  const pips = new PublicIPIndex(ctx);
  const sharedFrontends = new Map<string, { name: string; rules: Map<string, string> }>();

  for (const lb of services) {
    if (lb.internal) {
      const subnetId = lb.privateIP?.subnetName
        ? `${cluster.internal.defaultSubnetId.split("/subnets/")[0]}/subnets/${lb.privateIP.subnetName}`
        : cluster.internal.defaultSubnetId;
      const fe: Obj = {
        subnet: { id: subnetId },
        privateIPAllocationMethod: lb.privateIP?.requestedAddress ? "Static" : "Dynamic",
        ...(lb.privateIP?.requestedAddress ? { privateIPAddress: lb.privateIP.requestedAddress } : {}),
      };
      internalParts.push({ lb, parts: lbParts(internalLbId, lb, fe) });
      continue;
    }
    try {
      const pip = await ensurePublicIP(ctx, cluster, lb, pips);
      usedPips.add(lower(pip.id));
      // Services naming one public IP share its frontend, each with its own rules, as long as no
      // two of them claim one port and protocol (the first keeps it; the later one is refused).
      const fe = sharedFrontends.get(lower(pip.id));
      if (fe) {
        const clash = lb.rules.find((r) => fe.rules.has(`${r.protocol}:${r.frontendPort}`));
        if (clash) {
          throw `checkLoadBalancerResourcesConflicts: service port  is trying to consume the port ${clash.frontendPort} which is being referenced by an existing loadBalancing rule ${fe.rules.get(`${clash.protocol}:${clash.frontendPort}`)} with the same protocol ${clash.protocol} and frontend IP config with ID ${cluster.ids.lbId}/frontendIPConfigurations/${fe.name}`;
        }
        publicParts.push(lbParts(cluster.ids.lbId, lb, undefined, fe.name));
      } else {
        publicParts.push(lbParts(cluster.ids.lbId, lb, { publicIPAddress: { id: pip.id } }));
        sharedFrontends.set(lower(pip.id), { name: lb.frontendName, rules: new Map() });
      }
      const rules = sharedFrontends.get(lower(pip.id))?.rules;
      for (const r of lb.rules) rules?.set(`${r.protocol}:${r.frontendPort}`, r.name);
      out.set(lb.service, { ingressIP: pip.address });
    } catch (e) {
      if (typeof e !== "string") throw e;
      out.set(lb.service, { error: e });
    }
  }

  await writeServiceParts(ctx, cluster.ids.lbId, cluster.location, publicParts, "kubernetes");
  const internalLb = await writeServiceParts(
    ctx,
    internalLbId,
    cluster.location,
    internalParts.map((x) => x.parts),
    "kubernetes",
  );
  for (const { lb } of internalParts) {
    const fe = ((props(internalLb).frontendIPConfigurations ?? []) as Obj[]).find(
      (f) => f.name === lb.frontendName,
    );
    out.set(lb.service, { ingressIP: String(props(fe).privateIPAddress) });
  }

  // Public IPs this controller made for Services that no longer want them.
  const nodeRg = cluster.internal.spec.nodeResourceGroup;
  for (const r of [...(await pips.inGroup(nodeRg))]) {
    const tags = (r.body.tags ?? {}) as Record<string, string>;
    if (tags[SERVICE_TAG] && !usedPips.has(lower(r.id))) await deleteNetworkResource(ctx, r.id);
  }

  // NSG: the shared allow rules for every served Service's frontend address.
  const frontends: ServiceFrontends[] = services
    .filter((lb) => out.get(lb.service)?.ingressIP)
    .map((lb) => ({ lb, addresses: [String(out.get(lb.service)?.ingressIP)] }));
  const existing = (await listSecurityRules(ctx, cluster.ids.nsgId)).map((r) => ({
    name: String(r.name),
    priority: Number(props(r).priority),
  }));
  const plan = planSecurityRules(existing, frontends);
  // One write for the whole set, as the provider sends one NSG PUT: unchanged rules stay as they are.
  await applySecurityRules(ctx, cluster.ids.nsgId, {
    put: plan.rules.map(({ name, ...props }) => ({ name, props })),
    remove: plan.delete,
  });
  return out;
}
