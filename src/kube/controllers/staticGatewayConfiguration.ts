// kube-egress-gateway in every cluster whose ARM side has
// `networkProfile.staticEgressGatewayProfile.enabled`: the StaticGatewayConfiguration CRD follows
// the flag (installed through the API like any CRD, removed when the flag goes off), and the
// configuration controller does what the operator does — validate (InvalidSpec event), add its
// finalizer, keep the gateway's WireGuard key pair in Secret kube-system/sgw-<uid> (made once),
// apply the Azure half (egress/azureApply.ts) in one store transaction, write the status through
// the status subresource and record Reconciling / Reconciled / ReconcileError; deletion releases
// the Azure half, then drops the finalizer. Pods opt in with the annotation: hostNetwork pods are
// refused at admission, and an annotated pod's sandbox waits until its configuration (same
// namespace) has an egress prefix, as the CNI plugin makes it wait.
import { createHash } from "node:crypto";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { AdmissionStep } from "../admission.js";
import type { Obj } from "../api.js";
import type { ResourceType } from "../catalog.js";
import { applyGatewayConfiguration, removeGatewayConfiguration } from "../egress/azureApply.js";
import { INTERNAL_CRDS, OPERATOR_NAMESPACE, operatorObjects } from "../egress/operator.js";
import {
  prefixNotReadyMessage,
  reconcileEvent,
  SGC_FINALIZER,
  SGC_GROUP,
  SGC_POD_ANNOTATION,
  SGC_VERSION,
  type StaticGatewayConfigurationSpec,
  type StaticGatewayConfigurationStatus,
  staticGatewayConfigurationCrd,
  validateStaticGatewayConfiguration,
  wireguardKeyPair,
  wireguardSecretName,
} from "../egress/staticGatewayConfiguration.js";
import { invalid, KubeError } from "../errors.js";
import { eventAction } from "../workloads/events.js";
import { clusterRecord } from "./arm.js";
import { armContext } from "./armContext.js";
import { type ControllerContext, W } from "./context.js";

const PLURAL = "staticgatewayconfigurations";
/** Store key of the custom resource (what the change feed names). */
export const SGC_KEY = `${SGC_GROUP}/${PLURAL}`;
const CRD_NAME = `${PLURAL}.${SGC_GROUP}`;
const COMPONENT = "staticgatewayconfiguration-controller";
const SECRET_NS = "kube-system";
/** A configuration that failed (missing rights, no pool yet) is tried again after this long. */
const RETRY_MS = 5000;

interface Sgc {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
  };
  spec?: StaticGatewayConfigurationSpec;
  status?: StaticGatewayConfigurationStatus;
}

// ---------------------------------------------------------------- the CRD follows the ARM flag

async function crdType(ctx: ControllerContext, cluster: string): Promise<ResourceType> {
  const t = await ctx.api.find(cluster, "apiextensions.k8s.io", "v1", "customresourcedefinitions");
  if (!t) throw new Error("no CRD type");
  return t;
}

const sgcType = (ctx: ControllerContext, cluster: string) =>
  ctx.api.find(cluster, SGC_GROUP, SGC_VERSION, PLURAL);

async function getOr404<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof KubeError && e.code === 404) return undefined;
    throw e;
  }
}

/** The add-on's CRDs: StaticGatewayConfiguration, then the internal PodEndpoint and GatewayStatus. */
const FEATURE_CRDS = [
  { name: CRD_NAME, make: staticGatewayConfigurationCrd },
  ...INTERNAL_CRDS.map((c) => ({ name: `${c.plural}.${SGC_GROUP}`, make: c.make })),
];

/**
 * Installs or removes the add-on so that it matches the cluster's staticEgressGatewayProfile: its
 * CRDs and the operator's objects in kube-system (a user who deletes one gets it back, as AKS's
 * addon manager does).
 */
export async function syncEgressFeature(ctx: ControllerContext, cluster: string): Promise<void> {
  const c = await ctx.store.read((tx) => clusterRecord(tx, cluster));
  if (!c) return;
  await ctx.api.ensureCluster(cluster);
  const enabled = c.internal.spec.network.staticEgressGateway === true;
  const t = await crdType(ctx, cluster);
  for (const crd of FEATURE_CRDS) {
    const existing = await getOr404(ctx.api.get(cluster, t, "", crd.name));
    if (enabled && !existing) {
      try {
        await ctx.api.create(cluster, t, "", crd.make(), W);
      } catch (e) {
        if (!(e instanceof KubeError && e.code === 409)) throw e;
      }
    } else if (!enabled && existing && !(existing.metadata as Obj | undefined)?.deletionTimestamp) {
      await getOr404(ctx.api.delete(cluster, t, "", crd.name, {}));
    }
  }
  for (const o of operatorObjects()) {
    const ot = await ctx.api.find(cluster, o.group, "v1", o.plural);
    if (!ot) continue;
    const name = o.object.metadata?.name ?? "";
    const existing = await getOr404(ctx.api.get(cluster, ot, OPERATOR_NAMESPACE, name));
    if (enabled && !existing) {
      try {
        await ctx.api.create(cluster, ot, OPERATOR_NAMESPACE, o.object as Obj, W);
      } catch (e) {
        if (!(e instanceof KubeError && e.code === 409)) throw e;
      }
    } else if (!enabled && existing) {
      await getOr404(ctx.api.delete(cluster, ot, OPERATOR_NAMESPACE, name, {}));
    }
  }
}

// ---------------------------------------------------------------- the configuration controller

/** Last ReconcileError message per configuration uid, so a retry does not repeat the same event. */
const lastError = new Map<string, string>();

async function record(
  ctx: ControllerContext,
  cluster: string,
  o: Sgc,
  reason: string,
  message: string,
  type: "Normal" | "Warning" = "Normal",
): Promise<void> {
  await ctx.apply(cluster, [
    eventAction({ involved: o as never, reason, message, component: COMPONENT, at: ctx.now(), type }),
  ]);
}

async function secretType(ctx: ControllerContext, cluster: string): Promise<ResourceType> {
  const t = await ctx.api.find(cluster, "", "v1", "secrets");
  if (!t) throw new Error("no Secret type");
  return t;
}

/** The gateway-side key pair: read from Secret sgw-<uid>, made (once) when absent. */
async function gatewayKeys(ctx: ControllerContext, cluster: string, uid: string): Promise<string> {
  const t = await secretType(ctx, cluster);
  const name = wireguardSecretName(uid);
  const have = (await getOr404(ctx.api.get(cluster, t, SECRET_NS, name))) as
    | { data?: Record<string, string> }
    | undefined;
  const pub = have?.data?.PublicKey;
  if (pub) return Buffer.from(pub, "base64").toString();
  const k = wireguardKeyPair();
  const body = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: SECRET_NS },
    type: "Opaque",
    data: {
      PrivateKey: Buffer.from(k.privateKey).toString("base64"),
      PublicKey: Buffer.from(k.publicKey).toString("base64"),
    },
  };
  try {
    await ctx.api.create(cluster, t, SECRET_NS, body, W);
  } catch (e) {
    // Made by a concurrent run: use that one (never two key pairs for one configuration).
    if (e instanceof KubeError && e.code === 409) return gatewayKeys(ctx, cluster, uid);
    throw e;
  }
  return k.publicKey;
}

export async function syncStaticGatewayConfiguration(
  ctx: ControllerContext,
  cluster: string,
  ns: string,
  name: string,
): Promise<void> {
  const t = await sgcType(ctx, cluster);
  if (!t) return;
  let o = (await getOr404(ctx.api.get(cluster, t, ns, name))) as Sgc | undefined;
  if (!o) return;
  const c = await ctx.store.read((tx) => clusterRecord(tx, cluster));
  if (!c) return;
  const m = o.metadata ?? {};
  const uid = m.uid ?? "";
  const spec = o.spec ?? {};
  const key = `sgc|${cluster}|${ns}|${name}`;
  const target = { uid, gatewayNodepoolName: spec.gatewayNodepoolName ?? "" };

  if (m.deletionTimestamp) {
    if (!(m.finalizers ?? []).includes(SGC_FINALIZER)) return;
    await ctx.store.transaction((tx) =>
      removeGatewayConfiguration(armContext(ctx.store, tx, c.subscriptionId), c.id, target),
    );
    await getOr404(
      ctx.api.delete(cluster, await secretType(ctx, cluster), SECRET_NS, wireguardSecretName(uid), {}),
    );
    lastError.delete(uid);
    const next = {
      ...o,
      metadata: { ...m, finalizers: (m.finalizers ?? []).filter((f) => f !== SGC_FINALIZER) },
    };
    await ctx.api.update(cluster, t, ns, name, next, W);
    return;
  }

  const bad = validateStaticGatewayConfiguration(name, spec);
  if (bad) {
    if (lastError.get(uid) !== bad) {
      lastError.set(uid, bad);
      await record(ctx, cluster, o, "InvalidSpec", bad, "Warning");
    }
    return;
  }

  if (!(m.finalizers ?? []).includes(SGC_FINALIZER)) {
    const next = { ...o, metadata: { ...m, finalizers: [...(m.finalizers ?? []), SGC_FINALIZER] } };
    o = (await ctx.api.update(cluster, t, ns, name, next, W)).body as Sgc;
  }
  const publicKey = await gatewayKeys(ctx, cluster, uid);
  if (!o.status?.egressIpPrefix) {
    const ev = reconcileEvent(o.status ?? {});
    if (!lastError.has(uid)) await record(ctx, cluster, o, ev.reason, ev.message);
  }

  const out = await ctx.store.transaction((tx) =>
    applyGatewayConfiguration(armContext(ctx.store, tx, c.subscriptionId), c.id, {
      ...target,
      key: `${ns}/${name}`,
      provisionPublicIps: spec.provisionPublicIps !== false,
      ...(spec.publicIpPrefixId ? { publicIpPrefixId: spec.publicIpPrefixId } : {}),
    }),
  );
  if (!out.ok) {
    if (lastError.get(uid) !== out.error) {
      lastError.set(uid, out.error);
      await record(ctx, cluster, o, "ReconcileError", out.error, "Warning");
    }
    // The user may fix the cause outside Kubernetes (a role assignment, a pool): look again later.
    ctx.queue.add(key, RETRY_MS);
    return;
  }
  lastError.delete(uid);
  const status: StaticGatewayConfigurationStatus = {
    egressIpPrefix: out.status.egressIpPrefix ?? "",
    gatewayServerProfile: {
      ...out.status.gatewayServerProfile,
      publicKey,
      privateKeySecretRef: {
        apiVersion: "v1",
        kind: "Secret",
        name: wireguardSecretName(uid),
        namespace: SECRET_NS,
      },
    },
  };
  if (JSON.stringify(o.status ?? {}) === JSON.stringify(status)) return;
  const written = (await ctx.api.update(cluster, t, ns, name, { ...o, status }, W, "status")).body as Sgc;
  const ev = reconcileEvent(status);
  await record(ctx, cluster, written, ev.reason, ev.message);
}

/** Every configuration of the cluster (resync, a gateway pool that changed). */
export async function listStaticGatewayConfigurations(
  ctx: ControllerContext,
  cluster: string,
): Promise<{ namespace: string; name: string }[]> {
  const t = await sgcType(ctx, cluster);
  if (!t) return [];
  const { items } = await ctx.api.list(cluster, t, undefined, {});
  return (items as Sgc[]).map((o) => ({
    namespace: o.metadata?.namespace ?? "",
    name: o.metadata?.name ?? "",
  }));
}

// ---------------------------------------------------------------- pods that opt in

/** Admission: an annotated hostNetwork pod cannot be routed through the gateway; refused (422). */
export function egressPodAdmission(): AdmissionStep {
  return async (req) => {
    if (req.resource !== "core/pods" || req.operation !== "CREATE") return req.object;
    const pod = req.object as Pod;
    const sgc = pod.metadata?.annotations?.[SGC_POD_ANNOTATION];
    if (!sgc || !pod.spec?.hostNetwork) return req.object;
    const arm = await clusterRecord(req.tx, req.cluster);
    if (arm?.internal.spec.network.staticEgressGateway !== true) return req.object;
    throw invalid("Pod", "", pod.metadata?.name ?? "", [
      {
        reason: "FieldValueForbidden",
        field: "spec.hostNetwork",
        message: `Forbidden: a pod annotated ${SGC_POD_ANNOTATION}=${sgc} cannot use hostNetwork: its egress goes through the static gateway from the pod's own network namespace`,
      },
    ]);
  };
}

/**
 * Why an annotated pod's sandbox cannot be set up yet (its configuration, in the pod's own
 * namespace, has no egress prefix), or undefined when nothing blocks it.
 */
export async function egressSandboxBlock(
  ctx: ControllerContext,
  cluster: string,
  pod: Pod,
): Promise<string | undefined> {
  const name = pod.metadata?.annotations?.[SGC_POD_ANNOTATION];
  if (!name || pod.spec?.hostNetwork) return undefined;
  const t = await sgcType(ctx, cluster);
  const o = t
    ? ((await getOr404(ctx.api.get(cluster, t, pod.metadata?.namespace ?? "default", name))) as
        | Sgc
        | undefined)
    : undefined;
  if (o?.status?.egressIpPrefix && !o.metadata?.deletionTimestamp) return undefined;
  const sandbox = createHash("sha256")
    .update(`sandbox\u0000${pod.metadata?.uid ?? ""}`)
    .digest("hex");
  return prefixNotReadyMessage(sandbox);
}
