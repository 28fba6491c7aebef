// Why can (or can't) traffic reach a node port? For a cluster's nodes (all, one pool, or one
// node by name / private IP / public IP) and a port like `8080/tcp`, this gathers what Azure
// would look at — the node NIC's ASGs and NSG, the node subnet's NSG, the VNet address space
// and the subnet's user-defined routes (both part of the VirtualNetwork tag) — and lets
// net/path.ts decide, subnet NSG then NIC NSG. Read-only, inside one store read, through the
// providers' own read helpers, so the answer is about the rules the emulator really stores.
import {
  type AddressContext,
  AZURE_HOST_VIP,
  evaluatePath,
  type Flow,
  type FlowProtocol,
  type LevelResult,
  NetError,
  type NsgInput,
  type PathDecision,
  parseIp,
  SOURCE_TAGS,
  virtualNetworkEntryOf,
} from "../../net/index.js";
import type { Tx } from "../../store/types.js";
import { asObject, field } from "../common.js";
import { scaleSetSpecOf } from "../compute/scaleSetPublicIPs.js";
import { listInstances } from "../compute/scaleSets.js";
import { clusterIdOf } from "../containerservice/model.js";
import { primaryIpConfigId } from "../containerservice/nodePublicIPs.js";
import type { NodeData } from "../containerservice/nodes.js";
import { getCluster, listPools } from "../containerservice/records.js";
import { type ArmContext, backgroundContext, type EmulatorSettings, type Services } from "../context.js";
import { invalidJson, invalidRequestContent, resourceNotFound, subscriptionNotFound } from "../errors.js";
import { nsgInput, ruleFromWire, subnetContext } from "../network/effective.js";
import { publicIPsHeldBy } from "../network/publicIPHolders.js";
import { joinsPool, type LoadBalancerHop, loadBalancerHop } from "./loadBalancerPath.js";
import { clusterPods, type HostPortListener, hostPortListener, type PodView, podsByNode } from "./pods.js";

// ---- request -----------------------------------------------------------------------------------

export interface TraceRequest {
  /** Default: the emulator's first subscription. */
  subscriptionId?: string;
  resourceGroup: string;
  cluster: string;
  /** Only this pool's nodes. */
  nodepool?: string;
  /** Only this node: its computer name, private IP or public IP. */
  node?: string;
  /** `8080/tcp`, `53/udp` or `icmp`; may come with `to` instead (`<host>:<port>/<proto>`). */
  port?: string;
  /** `Internet` (default), `VirtualNetwork`, `AzureLoadBalancer` or an IP address. */
  from?: string;
  /**
   * A load balancer frontend address (a Service's IP): trace through its rule to the backend nodes.
   * A cluster DNS name (`<svc>.<ns>[.svc[.cluster.local]]`) is resolved by kube/trace first.
   * A node's public or private address instead: that node, as `node` would.
   */
  to?: string;
}

export interface TraceDestination {
  /** An IP address or a DNS name (lower case, no trailing dot). */
  host: string;
  /** `80/tcp` when the destination named a port (`:80` alone means tcp). */
  port?: string;
}

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

/** `<ip|name>[:<port>[/<tcp|udp>]]`, IPv6 as `[addr]:port` or bare; 400 naming `to` otherwise. */
export function parseTraceDestination(text: string, fieldName = "to"): TraceDestination {
  const t = text.trim();
  const bad = () =>
    invalidRequestContent(
      `Invalid destination '${text}': expected an IP address or a DNS name, optionally with :<port>/<tcp|udp> (e.g. 20.0.0.7, my-svc.default.svc.cluster.local:80/tcp).`,
      fieldName,
    );
  let host = t;
  let port: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.+))?$/.exec(t);
  const withPort = /^([^:]+):([^:]+)$/.exec(t);
  if (v6) {
    host = v6[1];
    port = v6[2];
  } else if (withPort) {
    host = withPort[1];
    port = withPort[2];
  }
  if (port !== undefined) {
    port = /^\d+$/.test(port) ? `${port}/tcp` : port;
    try {
      if (parseTracePort(port).port === undefined) throw bad();
    } catch {
      throw bad();
    }
    port = port.toLowerCase();
  }
  try {
    parseIp(host);
    return { host, ...(port ? { port } : {}) };
  } catch {
    const name = host.toLowerCase().replace(/\.$/, "");
    if (!DNS_NAME.test(name) || /^[\d.]+$/.test(name)) throw bad();
    return { host: name, ...(port ? { port } : {}) };
  }
}

interface PortSpec {
  protocol: FlowProtocol;
  port?: number;
}

/** `8080/tcp` | `53/udp` | `icmp`; one port, because a verdict is about one flow. */
export function parseTracePort(text: string): PortSpec {
  const t = text.trim();
  if (/^icmp$/i.test(t)) return { protocol: "Icmp" };
  const m = /^(\d{1,5})\/(tcp|udp)$/i.exec(t);
  const port = m ? Number(m[1]) : Number.NaN;
  if (!m || port < 1 || port > 65535)
    throw invalidRequestContent(
      `Invalid port '${text}': expected <port>/<tcp|udp> with a port between 1 and 65535 (e.g. 8080/tcp), or icmp.`,
      "port",
    );
  return { protocol: m[2].toLowerCase() === "tcp" ? "Tcp" : "Udp", port };
}

/** `Internet` / `VirtualNetwork` / `AzureLoadBalancer` (any case) in Azure's spelling, or an address. */
export function parseTraceSource(text: string | undefined): string {
  if (text === undefined || text.trim() === "") return "Internet";
  const t = text.trim();
  const tag = SOURCE_TAGS.find((s) => s.toLowerCase() === t.toLowerCase());
  if (tag) return tag;
  try {
    parseIp(t);
    return t;
  } catch {
    throw invalidRequestContent(
      `Invalid source '${text}': expected Internet, VirtualNetwork, AzureLoadBalancer or an IP address.`,
      "from",
    );
  }
}

/** The JSON body of `POST /_aksnet/trace` → a request; 400 InvalidRequestContent naming the field. */
export function parseTraceRequest(body: unknown): TraceRequest {
  const o = asObject(body);
  const need = (key: "resourceGroup" | "cluster") => {
    const v = field.string(o, key, key);
    if (!v?.trim()) throw invalidRequestContent(`The request must name '${key}'.`, key);
    return v.trim();
  };
  const opt = (key: string) => field.string(o, key, key)?.trim() || undefined;
  const req: TraceRequest = {
    resourceGroup: need("resourceGroup"),
    cluster: need("cluster"),
  };
  for (const k of ["subscriptionId", "nodepool", "node", "from", "to", "port"] as const) {
    const v = opt(k);
    if (v !== undefined) req[k] = v;
  }
  if (req.port !== undefined) parseTracePort(req.port);
  req.from = parseTraceSource(req.from);
  if (req.to !== undefined) {
    const dest = parseTraceDestination(req.to);
    if (dest.port && req.port && dest.port !== req.port.toLowerCase())
      throw invalidRequestContent(
        `The destination names port ${dest.port} but 'port' is ${req.port}: give one of them.`,
        "port",
      );
    req.to = dest.host;
    if (dest.port) req.port = dest.port;
  }
  return req;
}

// ---- answer ------------------------------------------------------------------------------------

export interface DecidingRule {
  name: string;
  priority: number;
  access: "Allow" | "Deny";
  isDefault: boolean;
  level: "subnet" | "nic";
  nsgId: string;
  nsgName: string;
  why: string[];
}

/** Who receives the traced port on the node (tcp/udp traces straight to a node, not through a load balancer). */
export interface Receiver {
  /** The pod holding the port as hostPort (a hostNetwork pod's container port counts). */
  pod?: HostPortListener;
  /** In words: the pod and where the packet goes, or that nothing listens there. */
  text: string;
}

export interface NodeTrace {
  node: string;
  pool: string;
  privateIp: string;
  publicIp?: string;
  nicId: string;
  subnetId: string;
  applicationSecurityGroups: string[];
  /** What the NSGs decide for the flow. */
  verdict: "Allow" | "Deny";
  decidingRule?: DecidingRule;
  /** What else stands in the way (or why nothing filters), in words. */
  notes: string[];
  levels: LevelResult[];
  receiver?: Receiver;
  /** The hops in words: source → node address:port → NSG verdict → the pod (or nobody). */
  path?: string[];
}

export interface TraceResult {
  cluster: string;
  resourceGroup: string;
  subscriptionId: string;
  port: string;
  protocol: FlowProtocol;
  destinationPort?: number;
  from: string;
  /** What the VirtualNetwork tag stands for on the nodes' subnets (first subnet shown per entry). */
  virtualNetwork: { prefix: string; origin: string }[];
  /** With `to`: the frontend, rule and backend pool the traffic goes through. */
  loadBalancer?: LoadBalancerHop;
  nodes: NodeTrace[];
  summary: { allowed: number; denied: number };
}

// ---- reading the store -----------------------------------------------------------------------------

const eq = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

// The subnet's context and NSG rules are read by the same helpers that answer a NIC's
// effectiveNetworkSecurityGroups, so the trace and that answer cannot disagree.
export { ruleFromWire };

interface SubnetView {
  nsgId?: string;
  space: { prefix: string; origin: string }[];
}

/** The subnet's NSG and what VirtualNetwork means there: VNet spaces, peerings, then UDR prefixes. */
async function subnetView(ctx: ArmContext, subnetId: string): Promise<SubnetView> {
  const sc = await subnetContext(ctx, subnetId);
  return { ...(sc.nsgId ? { nsgId: sc.nsgId } : {}), space: sc.virtualNetwork };
}

function decidingRule(d: PathDecision): DecidingRule | undefined {
  if (!d.decidedBy) return undefined;
  const { level, nsg, rule } = d.decidedBy;
  return { ...rule, level, nsgId: nsg.id, nsgName: nsg.name };
}

function isVnetSource(from: string, ctx: AddressContext): boolean {
  if (from === "VirtualNetwork") return true;
  if (from === "Internet") return false;
  return virtualNetworkEntryOf(from === "AzureLoadBalancer" ? AZURE_HOST_VIP : from, ctx) !== undefined;
}

/**
 * Traces `req` for every selected node. Errors are ArmErrors: 404 for a missing subscription,
 * cluster, pool or node; 400 for a malformed port or source.
 */
/** The subscription a trace asks about (default: the emulator's first), as a background context. */
export function traceContext(
  tx: Tx,
  settings: EmulatorSettings,
  services: Services,
  subscriptionId: string | undefined,
): ArmContext {
  const sub = subscriptionId
    ? settings.subscriptions.find((s) => eq(s.subscriptionId, subscriptionId))
    : settings.subscriptions[0];
  if (!sub) throw subscriptionNotFound(String(subscriptionId));
  return backgroundContext(tx, settings, services, sub.subscriptionId);
}

/** The traced cluster and its pools (only `nodepool` when named); 404s as ARM words them. */
export async function traceClusterPools(
  ctx: ArmContext,
  req: { resourceGroup: string; cluster: string; nodepool?: string },
) {
  const cluster = await getCluster(ctx, clusterIdOf(ctx.subscriptionId, req.resourceGroup, req.cluster));
  if (!cluster)
    throw resourceNotFound("Microsoft.ContainerService/managedClusters", req.cluster, req.resourceGroup);
  let pools = (await listPools(ctx, cluster.rec.id)).map((p) => p.internal);
  if (req.nodepool) {
    pools = pools.filter((p) => eq(p.spec.name, req.nodepool));
    if (!pools.length)
      throw resourceNotFound(
        "Microsoft.ContainerService/managedClusters/agentPools",
        `${req.cluster}/${req.nodepool}`,
        req.resourceGroup,
      );
  }
  return { cluster, pools };
}

export async function traceReachability(
  tx: Tx,
  settings: EmulatorSettings,
  services: Services,
  req: TraceRequest,
): Promise<TraceResult> {
  const ctx = traceContext(tx, settings, services, req.subscriptionId);
  if (!req.port)
    throw invalidRequestContent(
      "The request must name 'port' (e.g. 8080/tcp), or a destination with its port (<host>:<port>/<proto>).",
      "port",
    );
  const { protocol, port } = parseTracePort(req.port);
  const from = parseTraceSource(req.from);
  const { cluster, pools } = await traceClusterPools(ctx, req);

  let hop: LoadBalancerHop | undefined;
  // `to` that is no frontend may be a node's address: then it picks that node.
  let toNode: string | undefined;
  if (req.to) {
    hop = await loadBalancerHop(ctx, cluster.internal.spec.nodeResourceGroup, req.to, protocol, port);
    if (!hop) toNode = req.to;
  }
  // Straight to a node's port: the pods decide who answers (a frontend's rule goes to kube-proxy).
  const podsOn =
    !hop && port !== undefined && protocol !== "Icmp"
      ? podsByNode(await clusterPods(tx, cluster.internal.resourceUID))
      : undefined;

  const nsgs = new Map<string, NsgInput | undefined>();
  const nsgOf = async (id: string | undefined) => {
    if (!id) return undefined;
    const key = id.toLowerCase();
    if (!nsgs.has(key)) nsgs.set(key, await nsgInput(ctx, id));
    return nsgs.get(key);
  };
  const subnets = new Map<string, SubnetView>();
  const vnetSeen = new Map<string, { prefix: string; origin: string }>();
  const nodes: NodeTrace[] = [];

  for (const pool of pools) {
    const ss = await scaleSetSpecOf(ctx, pool.vmssId);
    if (!ss) continue;
    const primary = ss.ipConfigurations.find((c) => c.primary) ?? ss.ipConfigurations[0];
    const subnetId = primary?.subnetId ?? pool.subnetId;
    const asgs = primary?.applicationSecurityGroupIds ?? [];
    if (hop && !joinsPool(primary, hop.backendPoolId)) continue;
    const key = subnetId.toLowerCase();
    if (!subnets.has(key)) subnets.set(key, await subnetView(ctx, subnetId));
    const sv = subnets.get(key) as SubnetView;
    for (const e of sv.space) if (!vnetSeen.has(e.prefix)) vnetSeen.set(e.prefix, e);
    const addressCtx: AddressContext = { virtualNetwork: sv.space };
    const subnetNsg = sv.nsgId ? await nsgOf(sv.nsgId) : undefined;
    const nicNsg = await nsgOf(ss.networkSecurityGroupId);

    for (const inst of await listInstances(ctx, pool.vmssId)) {
      const data = (inst.data ?? {}) as unknown as Partial<NodeData>;
      const nicId = inst.nicIds[0];
      if (!nicId || !data.nodeIp) continue;
      const pip = (await publicIPsHeldBy(ctx, primaryIpConfigId(nicId)))
        .map((w) => (w.properties as { ipAddress?: unknown } | undefined)?.ipAddress)
        .find((a): a is string => typeof a === "string");
      if (req.node && !eq(req.node, inst.computerName) && req.node !== data.nodeIp && req.node !== pip)
        continue;
      if (toNode && toNode !== data.nodeIp && toNode !== pip) continue;
      // NSGs see the NIC's private address (a public IP is translated before them) — or, behind a
      // floating-IP rule, the frontend address and port; without floating IP, the backend port.
      const destination = hop?.floatingIP ? hop.frontendIp : data.nodeIp;
      const destinationPort = hop ? (hop.floatingIP ? hop.frontendPort : hop.backendPort) : port;
      const flow: Flow = {
        direction: "Inbound",
        protocol,
        source: from,
        destination,
        ...(destinationPort !== undefined ? { destinationPort } : {}),
        destinationAsgIds: asgs,
      };
      const d = evaluatePath(
        flow,
        { ...(subnetNsg ? { subnet: subnetNsg } : {}), ...(nicNsg ? { nic: nicNsg } : {}) },
        addressCtx,
      );
      const notes: string[] = [];
      if (sv.nsgId && !subnetNsg)
        notes.push(`the subnet's NSG ${sv.nsgId} does not exist; nothing filters there`);
      if (!subnetNsg && !nicNsg) notes.push("no NSG on the subnet or the NIC: nothing filters this traffic");
      if (!hop && !pip && !isVnetSource(from, addressCtx))
        notes.push(
          `the node has no public IP: from ${from} it is reachable only through a load balancer, not directly`,
        );
      const rule = decidingRule(d);
      const receiver =
        podsOn && port !== undefined
          ? receiverOf(podsOn.get(inst.computerName) ?? [], port, protocol, data.nodeIp)
          : undefined;
      const address = !isVnetSource(from, addressCtx) && !toNode ? pip : (toNode ?? data.nodeIp);
      nodes.push({
        node: inst.computerName,
        pool: pool.spec.name,
        privateIp: data.nodeIp,
        ...(pip ? { publicIp: pip } : {}),
        nicId,
        subnetId,
        applicationSecurityGroups: asgs,
        verdict: d.verdict,
        ...(rule ? { decidingRule: rule } : {}),
        notes,
        levels: d.levels,
        ...(receiver
          ? {
              receiver,
              path: [
                from,
                address
                  ? `${address}:${port} (node ${address === pip ? "public" : "private"} IP)`
                  : `no address of ${inst.computerName} is reachable from ${from}`,
                `NSG: ${d.verdict}${rule ? ` by ${rule.name} (${rule.priority}, ${rule.level} NSG ${rule.nsgName})` : " (no NSG)"}`,
                receiver.text,
              ],
            }
          : {}),
      });
    }
  }
  if (toNode && nodes.length === 0)
    throw invalidRequestContent(
      `${req.to} is not a frontend address of any load balancer in ${cluster.internal.spec.nodeResourceGroup}, nor an address of the cluster's nodes.`,
      "to",
    );
  if (req.node && nodes.length === 0)
    throw resourceNotFound(
      "Microsoft.Compute/virtualMachineScaleSets/virtualMachines",
      req.node,
      cluster.internal.spec.nodeResourceGroup,
    );
  return {
    cluster: cluster.rec.id,
    resourceGroup: req.resourceGroup,
    subscriptionId: ctx.subscriptionId,
    port: protocol === "Icmp" ? "icmp" : `${port}/${protocol.toLowerCase()}`,
    protocol,
    ...(port !== undefined ? { destinationPort: port } : {}),
    from,
    virtualNetwork: [...vnetSeen.values()],
    ...(hop ? { loadBalancer: hop } : {}),
    nodes,
    summary: {
      allowed: nodes.filter((n) => n.verdict === "Allow").length,
      denied: nodes.filter((n) => n.verdict === "Deny").length,
    },
  };
}

function receiverOf(
  podsOnNode: readonly PodView[],
  port: number,
  protocol: FlowProtocol,
  nodeIp: string,
): Receiver {
  const proto = protocol === "Udp" ? "UDP" : "TCP";
  const pod = hostPortListener(podsOnNode, port, proto, nodeIp);
  if (!pod) return { text: `no pod listens on ${port}/${proto.toLowerCase()} on this node` };
  const where = pod.hostNetwork
    ? "host network: the node's own address"
    : pod.podIP
      ? `pod IP ${pod.podIP}:${pod.containerPort}`
      : `containerPort ${pod.containerPort}, no pod IP yet (${pod.phase})`;
  return {
    pod,
    text: `pod ${pod.namespace}/${pod.name}, container ${pod.container}, containerPort ${pod.containerPort}/${proto} (${where})`,
  };
}

/**
 * Every `POST /_aksnet/trace` form: the body (raw JSON text or parsed) through `parse`, then `trace`
 * inside one consistent store read. Input the parser let through but net/ refuses (e.g. an odd
 * address) is still bad input.
 */
export async function runTraceWith<Req, Res>(
  store: { read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> },
  body: unknown,
  parse: (parsed: unknown) => Req,
  trace: (tx: Tx, req: Req) => Promise<Res>,
): Promise<Res> {
  let parsed = body;
  if (typeof body === "string") {
    try {
      parsed = body.trim() ? JSON.parse(body) : undefined;
    } catch (e) {
      throw invalidJson((e as Error).message);
    }
  }
  const req = parse(parsed);
  try {
    return await store.read((tx) => trace(tx, req));
  } catch (e) {
    if (e instanceof NetError) throw invalidRequestContent(e.message);
    throw e;
  }
}

/** `POST /_aksnet/trace` to the nodes. */
export async function runTrace(
  store: { read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> },
  settings: EmulatorSettings,
  services: Services,
  body: unknown,
): Promise<TraceResult> {
  return runTraceWith(store, body, parseTraceRequest, (tx, req) =>
    traceReachability(tx, settings, services, req),
  );
}
