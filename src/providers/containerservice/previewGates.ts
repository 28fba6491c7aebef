// Preview gating: a setting that AKS ships as a preview needs its feature flag registered on
// the subscription (`az feature register --namespace Microsoft.ContainerService --name X`),
// and most node-networking settings need Kubernetes ≥ 1.24. One helper per rule so every
// caller (node public IP tags, static egress gateway, host-port auto-assignment in the
// Kubernetes face) fails the same way, naming the flag or the version.
import type { ArmContext } from "../context.js";
import { featureNotRegistered, isFeatureRegistered } from "../resources/features.js";
import { kubernetesVersionNotSupported } from "./nodeNetworkErrors.js";

export const AKS_NS = "Microsoft.ContainerService";

/** The preview flags the seeds name, by what they unlock. */
export const PREVIEW_FLAGS = {
  nodePublicIPTags: "NodePublicIPTagsPreview",
  staticEgressGateway: "StaticEgressGatewayPreview",
  podHostPortAutoAssign: "PodHostPortAutoAssignPreview",
} as const;

export type PreviewFlag = (typeof PREVIEW_FLAGS)[keyof typeof PREVIEW_FLAGS];

/** Pod-template annotation that asks for host-port auto-assignment (seed 003). */
export const HOST_PORT_AUTO_ASSIGN_ANNOTATION = "kubernetes.azure.com/assign-hostports-for-containerports";

/** Kubernetes minor every node-networking setting of seeds 000/003 needs. */
export const MIN_NODE_NETWORKING_VERSION = "1.24";

/** Throws PreviewFeatureNotRegistered (naming the flag) unless `flag` is Registered. */
export async function requirePreviewFeature(
  ctx: ArmContext,
  flag: PreviewFlag,
  what: string,
  target?: string,
): Promise<void> {
  if (!(await isFeatureRegistered(ctx, AKS_NS, flag))) throw featureNotRegistered(AKS_NS, flag, what, target);
}

/** [major, minor] of "1.29", "1.29.4" (anything unparsable counts as new enough: parse.ts refuses it). */
function minorOf(version: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function versionAtLeast(version: string, min: string): boolean {
  const v = minorOf(version);
  const w = minorOf(min);
  if (!v || !w) return true;
  return v[0] > w[0] || (v[0] === w[0] && v[1] >= w[1]);
}

/** Throws KubernetesVersionNotSupported when `version` is below `min` (default 1.24). */
export function requireKubernetesVersion(
  version: string,
  what: string,
  target: string,
  min = MIN_NODE_NETWORKING_VERSION,
): void {
  if (!versionAtLeast(version, min)) throw kubernetesVersionNotSupported(what, version, min, target);
}

/**
 * The checks the host-port auto-assignment annotation needs (flag registered, Kubernetes ≥
 * 1.24), for the Kubernetes face to call when it admits a workload carrying the annotation.
 */
export async function requireHostPortAutoAssign(ctx: ArmContext, kubernetesVersion: string): Promise<void> {
  await requirePreviewFeature(
    ctx,
    PREVIEW_FLAGS.podHostPortAutoAssign,
    `The annotation '${HOST_PORT_AUTO_ASSIGN_ANNOTATION}'`,
    `metadata.annotations.${HOST_PORT_AUTO_ASSIGN_ANNOTATION}`,
  );
  requireKubernetesVersion(
    kubernetesVersion,
    `The annotation '${HOST_PORT_AUTO_ASSIGN_ANNOTATION}'`,
    "kubernetesVersion",
  );
}
