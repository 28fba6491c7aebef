// The WireGuard peers of the static egress gateway, as kube-egress-gateway's node agents record
// them: the CNI manager upserts a PodEndpoint (same name and namespace as the pod, controlled by
// it) when an annotated pod's network is set up — its IP, a fresh pod-side public key (made once)
// and the configuration's name — and deletes it when the pod no longer uses the gateway; the gateway
// daemon on every gateway node keeps GatewayStatus kube-system/<node> (owned by the Node) listing
// the configurations served there (`wg-<port>`) and the peers on them. One pass per cluster:
// `egress-peers|<cluster>` (pods, configurations, PodEndpoints and gateway Nodes queue it).
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import type { Obj } from "../api.js";
import type { ResourceType } from "../catalog.js";
import {
  type EndpointRef,
  type GatewayStatusSpec,
  gatewayStatusSpec,
  OPERATOR_NAMESPACE,
  type PodEndpointSpec,
  type ReadyConfiguration,
} from "../egress/operator.js";
import {
  SGC_GROUP,
  SGC_POD_ANNOTATION,
  SGC_VERSION,
  type StaticGatewayConfigurationSpec,
  type StaticGatewayConfigurationStatus,
  wireguardKeyPair,
} from "../egress/staticGatewayConfiguration.js";
import { KubeError } from "../errors.js";
import { controllerRef } from "../workloads/actions.js";
import { type ControllerContext, W } from "./context.js";

export const PODENDPOINT_KEY = `${SGC_GROUP}/podendpoints`;
export const GATEWAYSTATUS_KEY = `${SGC_GROUP}/gatewaystatuses`;
const GATEWAY_NODE_LABEL = "kubeegressgateway.azure.com/mode";

interface Sgc {
  metadata?: { name?: string; namespace?: string; deletionTimestamp?: string };
  spec?: StaticGatewayConfigurationSpec;
  status?: StaticGatewayConfigurationStatus;
}
interface PodEndpointObj {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; deletionTimestamp?: string };
  spec?: Partial<PodEndpointSpec>;
}
interface GatewayStatusObj {
  metadata?: { name?: string; resourceVersion?: string; ownerReferences?: unknown[] };
  spec?: Partial<GatewayStatusSpec>;
}

async function ignore404<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof KubeError && e.code === 404) return undefined;
    throw e;
  }
}

const key = (o: { metadata?: { namespace?: string; name?: string } }) =>
  `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;

export async function syncEgressPeers(ctx: ControllerContext, cluster: string): Promise<void> {
  const find = (plural: string) => ctx.api.find(cluster, SGC_GROUP, SGC_VERSION, plural);
  const [sgcT, peT, gsT] = await Promise.all([
    find("staticgatewayconfigurations"),
    find("podendpoints"),
    find("gatewaystatuses"),
  ]);
  if (!sgcT || !peT || !gsT) return; // the feature is off (or its CRDs not installed yet)
  const sgcs = (await ctx.api.list(cluster, sgcT, undefined, {})).items as Sgc[];
  const endpoints = await syncPodEndpoints(ctx, cluster, peT, sgcs);
  await syncGatewayStatuses(ctx, cluster, gsT, sgcs, endpoints);
}

/** The CNI manager's half: a PodEndpoint per annotated pod whose configuration is ready. */
async function syncPodEndpoints(
  ctx: ControllerContext,
  cluster: string,
  t: ResourceType,
  sgcs: readonly Sgc[],
): Promise<EndpointRef[]> {
  const ready = new Set(
    sgcs.filter((s) => s.status?.egressIpPrefix && !s.metadata?.deletionTimestamp).map(key),
  );
  const pods = await ctx.list<Pod>(cluster, "core/pods");
  const have = new Map(
    ((await ctx.api.list(cluster, t, undefined, {})).items as PodEndpointObj[]).map((o) => [key(o), o]),
  );
  const out: EndpointRef[] = [];
  const wanted = new Set<string>();
  for (const pod of pods) {
    const sgc = pod.metadata?.annotations?.[SGC_POD_ANNOTATION];
    const ns = pod.metadata?.namespace ?? "";
    const name = pod.metadata?.name ?? "";
    const ip = pod.status?.podIP;
    const phase = pod.status?.phase;
    if (!sgc || !ip || pod.spec?.hostNetwork || pod.metadata?.deletionTimestamp) continue;
    if (phase === "Succeeded" || phase === "Failed" || !ready.has(`${ns}/${sgc}`)) continue;
    const k = `${ns}/${name}`;
    wanted.add(k);
    const cur = have.get(k);
    const spec: PodEndpointSpec = {
      podIpAddress: `${ip}/32`,
      // The pod's key pair is made once, in its sandbox; a changed IP keeps it.
      podPublicKey: cur?.spec?.podPublicKey || wireguardKeyPair().publicKey,
      staticGatewayConfiguration: sgc,
    };
    out.push({ namespace: ns, name, spec });
    if (cur && JSON.stringify(cur.spec) === JSON.stringify(spec)) continue;
    const body = {
      apiVersion: `${SGC_GROUP}/${SGC_VERSION}`,
      kind: "PodEndpoint",
      metadata: {
        name,
        namespace: ns,
        ownerReferences: [{ ...controllerRef({ ...pod, apiVersion: "v1", kind: "Pod" }) }],
        ...(cur?.metadata?.resourceVersion ? { resourceVersion: cur.metadata.resourceVersion } : {}),
      },
      spec,
    };
    if (cur) await ignore404(ctx.api.update(cluster, t, ns, name, body, W));
    else await ignore404(ctx.api.create(cluster, t, ns, body, W));
  }
  for (const [k, o] of have) {
    if (wanted.has(k) || o.metadata?.deletionTimestamp) continue;
    await ignore404(ctx.api.delete(cluster, t, o.metadata?.namespace ?? "", o.metadata?.name ?? "", {}));
  }
  return out;
}

/** The gateway daemon's half: GatewayStatus kube-system/<node> on every gateway node. */
async function syncGatewayStatuses(
  ctx: ControllerContext,
  cluster: string,
  t: ResourceType,
  sgcs: readonly Sgc[],
  endpoints: readonly EndpointRef[],
): Promise<void> {
  const configurations: ReadyConfiguration[] = [];
  for (const s of sgcs) {
    const port = s.status?.gatewayServerProfile?.port;
    if (!port || !s.status?.egressIpPrefix || s.metadata?.deletionTimestamp) continue;
    configurations.push({
      namespace: s.metadata?.namespace ?? "",
      name: s.metadata?.name ?? "",
      pool: s.spec?.gatewayNodepoolName ?? "",
      port,
    });
  }
  const nodes = (await ctx.list<Node>(cluster, "core/nodes")).filter(
    (n) => n.metadata?.labels?.[GATEWAY_NODE_LABEL] === "true" && !n.metadata?.deletionTimestamp,
  );
  const have = new Map(
    ((await ctx.api.list(cluster, t, OPERATOR_NAMESPACE, {})).items as GatewayStatusObj[]).map((o) => [
      o.metadata?.name ?? "",
      o,
    ]),
  );
  for (const n of nodes) {
    const name = n.metadata?.name ?? "";
    const pool = n.metadata?.labels?.["kubernetes.azure.com/agentpool"] ?? "";
    const spec = gatewayStatusSpec(pool, configurations, endpoints);
    const cur = have.get(name);
    have.delete(name);
    if (cur && JSON.stringify(cur.spec) === JSON.stringify(spec)) continue;
    // The daemon sets a plain owner reference to its Node (not a controller one).
    const owner = { ...controllerRef({ ...n, apiVersion: "v1", kind: "Node" }) } as Obj;
    delete owner.controller;
    delete owner.blockOwnerDeletion;
    const body = {
      apiVersion: `${SGC_GROUP}/${SGC_VERSION}`,
      kind: "GatewayStatus",
      metadata: {
        name,
        namespace: OPERATOR_NAMESPACE,
        ownerReferences: [owner],
        ...(cur?.metadata?.resourceVersion ? { resourceVersion: cur.metadata.resourceVersion } : {}),
      },
      spec,
    };
    if (cur) await ignore404(ctx.api.update(cluster, t, OPERATOR_NAMESPACE, name, body, W));
    else await ignore404(ctx.api.create(cluster, t, OPERATOR_NAMESPACE, body, W));
  }
  // A node that is no longer a gateway node (its Node gone: the collector takes it too).
  for (const name of have.keys()) await ignore404(ctx.api.delete(cluster, t, OPERATOR_NAMESPACE, name, {}));
}
