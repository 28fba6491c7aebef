// `POST /_aksnet/trace` with `egressTo` (`aksnet trace --egress <ip>`): for every node of a cluster
// (or one pool, or one node) how its traffic to the address leaves — nodeEgress.ts per node, inside
// one store read.
import { NetError, parseIp } from "../../net/index.js";
import type { Tx } from "../../store/types.js";
import { asObject, field } from "../common.js";
import { listInstances } from "../compute/scaleSets.js";
import type { NodeData } from "../containerservice/nodes.js";
import type { EmulatorSettings, Services } from "../context.js";
import { invalidRequestContent, resourceNotFound } from "../errors.js";
import { type NodeEgress, nodeEgress } from "./nodeEgress.js";
import { runTraceWith, traceClusterPools, traceContext } from "./reachability.js";

export interface NodeEgressTraceRequest {
  subscriptionId?: string;
  resourceGroup: string;
  cluster: string;
  /** The destination address. */
  egressTo: string;
  nodepool?: string;
  /** Computer name or private IP. */
  node?: string;
}

export interface NodeEgressTraceResult {
  cluster: string;
  resourceGroup: string;
  subscriptionId: string;
  destination: string;
  outboundType: string;
  nodes: NodeEgress[];
}

const eq = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

export function parseNodeEgressTraceRequest(body: unknown): NodeEgressTraceRequest {
  const o = asObject(body);
  const str = (k: string) => field.string(o, k, k)?.trim() || undefined;
  const need = (k: "resourceGroup" | "cluster" | "egressTo") => {
    const v = str(k);
    if (!v) throw invalidRequestContent(`The request must name '${k}'.`, k);
    return v;
  };
  const req: NodeEgressTraceRequest = {
    resourceGroup: need("resourceGroup"),
    cluster: need("cluster"),
    egressTo: need("egressTo"),
  };
  for (const k of ["subscriptionId", "nodepool", "node"] as const) {
    const v = str(k);
    if (v !== undefined) req[k] = v;
  }
  try {
    parseIp(req.egressTo);
  } catch (e) {
    if (!(e instanceof NetError)) throw e;
    throw invalidRequestContent(`Invalid destination '${req.egressTo}': expected an IP address.`, "egressTo");
  }
  return req;
}

export async function traceNodeEgress(
  tx: Tx,
  settings: EmulatorSettings,
  services: Services,
  req: NodeEgressTraceRequest,
): Promise<NodeEgressTraceResult> {
  const ctx = traceContext(tx, settings, services, req.subscriptionId);
  const { cluster, pools } = await traceClusterPools(ctx, req);
  const nodes: NodeEgress[] = [];
  for (const pool of pools)
    for (const inst of await listInstances(ctx, pool.vmssId)) {
      const ip = (inst.data as Partial<NodeData> | undefined)?.nodeIp;
      if (!ip) continue;
      if (req.node && !eq(req.node, inst.computerName) && req.node !== ip) continue;
      nodes.push(
        await nodeEgress(ctx, {
          clusterId: cluster.rec.id,
          node: inst.computerName,
          destination: req.egressTo,
        }),
      );
    }
  if (req.node && !nodes.length)
    throw resourceNotFound(
      "Microsoft.Compute/virtualMachineScaleSets/virtualMachines",
      req.node,
      cluster.internal.spec.nodeResourceGroup,
    );
  return {
    cluster: cluster.rec.id,
    resourceGroup: req.resourceGroup,
    subscriptionId: ctx.subscriptionId,
    destination: req.egressTo,
    outboundType: cluster.internal.spec.network.outboundType,
    nodes,
  };
}

/** Whether a trace body asks for node egress (has `egressTo`). */
export function isNodeEgressBody(body: unknown): boolean {
  let o = body;
  if (typeof body === "string") {
    try {
      o = JSON.parse(body);
    } catch {
      return false;
    }
  }
  return typeof o === "object" && o !== null && "egressTo" in o;
}

export async function runNodeEgressTrace(
  store: { read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> },
  settings: EmulatorSettings,
  services: Services,
  body: unknown,
): Promise<NodeEgressTraceResult> {
  return runTraceWith(store, body, parseNodeEgressTraceRequest, (tx, req) =>
    traceNodeEgress(tx, settings, services, req),
  );
}
