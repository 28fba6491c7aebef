// What every namespace holds from birth, and the ServiceAccount admission plugin that relies on it:
//
// - kube-controller-manager's serviceaccount controller gives every active namespace a
//   `default` ServiceAccount and its root-ca-cert-publisher the `kube-root-ca.crt` ConfigMap
//   (the CA that signs the API server's certificate, here the emulator's own). Both are made in
//   the namespace's own create (an admission step on namespaces), so a pod created right after
//   `kubectl create namespace` finds them — kube-apiserver's plugin waits up to ~1.5 s for the
//   controller instead. The controller puts them back when deleted or changed.
// - The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount) on pod create:
//   the pod's ServiceAccount must exist (403 `error looking up service account ns/name:
//   serviceaccount "name" not found`); unless automounting is off (the pod's, then the
//   ServiceAccount's `automountServiceAccountToken`), every container mounts the projected
//   `kube-api-access-xxxxx` volume at /var/run/secrets/kubernetes.io/serviceaccount; a pod
//   without imagePullSecrets takes the ServiceAccount's.
import { randomUUID } from "node:crypto";
import type { ConfigMap, Container, Pod, ServiceAccount, Volume } from "kubernetes-types/core/v1.js";
import type { Store, Tx } from "../../store/types.js";
import { type AdmissionStep, requestName } from "../admission.js";
import { admissionForbidden } from "../errors.js";
import { nowRfc3339 } from "../time.js";
import { randomNameSuffix } from "../workloads/names.js";
import type { ControllerContext } from "./context.js";

const SA_KEY = "core/serviceaccounts";
const CM_KEY = "core/configmaps";
export const DEFAULT_SERVICE_ACCOUNT = "default";
export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";
const TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
const TOKEN_VOLUME_PREFIX = "kube-api-access-";
const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";
/** root-ca-cert-publisher's annotation on the ConfigMap, word for word. */
const ROOT_CA_DESCRIPTION =
  "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

const rootCas = new WeakMap<Store, string>();

/** The CA the clusters' API servers present (the emulator's), per store. */
export function registerRootCa(store: Store, caPem: string): void {
  rootCas.set(store, caPem);
}

const serviceAccountBody = (ns: string): ServiceAccount => ({
  apiVersion: "v1",
  kind: "ServiceAccount",
  metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace: ns },
});

const rootCaBody = (ns: string, pem: string): ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: {
    name: ROOT_CA_CONFIGMAP,
    namespace: ns,
    annotations: { "kubernetes.io/description": ROOT_CA_DESCRIPTION },
  },
  data: { "ca.crt": pem },
});

/** Writes whichever of the two is missing, inside the namespace create's transaction. */
async function writeDefaults(tx: Tx, cluster: string, ns: string, pem: string | undefined): Promise<void> {
  const wanted: [string, string, ServiceAccount | ConfigMap][] = [
    [SA_KEY, DEFAULT_SERVICE_ACCOUNT, serviceAccountBody(ns)],
  ];
  if (pem) wanted.push([CM_KEY, ROOT_CA_CONFIGMAP, rootCaBody(ns, pem)]);
  for (const [resource, name, body] of wanted) {
    if (await tx.getObject(cluster, resource, ns, name)) continue;
    body.metadata = { ...body.metadata, uid: randomUUID(), creationTimestamp: nowRfc3339() };
    await tx.putObject({ cluster, resource, namespace: ns, name, body: { ...body } }, { create: true });
  }
}

/** Admission step on namespace create: the namespace is born with its defaults. */
export function namespaceDefaultsAdmission(store: Store): AdmissionStep {
  return async (req) => {
    if (req.operation !== "CREATE" || req.dryRun) return req.object;
    const name = String((req.object.metadata as { name?: string } | undefined)?.name ?? "");
    if (name) await writeDefaults(req.tx, req.cluster, name, rootCas.get(store));
    return req.object;
  };
}

/** The projected volume kube-apiserver's plugin adds (TokenVolumeSource). */
function tokenVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
        { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: "ca.crt", path: "ca.crt" }] } },
        {
          downwardAPI: {
            items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }],
          },
        },
      ],
    },
  };
}

/** The ServiceAccount admission plugin, on pod create. */
export function serviceAccountAdmission(): AdmissionStep {
  return async (req) => {
    if (req.operation !== "CREATE") return req.object;
    const pod = req.object as Pod;
    const spec = pod.spec;
    if (!spec || pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return req.object;
    spec.serviceAccountName ||= DEFAULT_SERVICE_ACCOUNT;
    const saName = spec.serviceAccountName;
    const rec = await req.tx.peekObject(req.cluster, SA_KEY, req.namespace, saName);
    if (!rec)
      throw admissionForbidden(
        { group: "", resource: "pods" },
        requestName(req.object),
        `error looking up service account ${req.namespace}/${saName}: serviceaccount "${saName}" not found`,
      );
    const sa = rec.body as ServiceAccount;
    if (spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true) mountToken(spec);
    if (!spec.imagePullSecrets?.length && sa.imagePullSecrets?.length)
      spec.imagePullSecrets = sa.imagePullSecrets.map((s) => ({ name: s.name }));
    return req.object;
  };
}

/** mountServiceAccountToken: every container without a mount at the path gets the volume's. */
function mountToken(spec: NonNullable<Pod["spec"]>): void {
  const existing = spec.volumes?.find((v) => v.name.startsWith(TOKEN_VOLUME_PREFIX));
  const name = existing?.name ?? `${TOKEN_VOLUME_PREFIX}${randomNameSuffix()}`;
  let needed = false;
  const mount = (containers: Container[] | undefined) => {
    for (const c of containers ?? []) {
      if (c.volumeMounts?.some((m) => m.mountPath === TOKEN_MOUNT_PATH)) continue;
      c.volumeMounts = [...(c.volumeMounts ?? []), { name, readOnly: true, mountPath: TOKEN_MOUNT_PATH }];
      needed = true;
    }
  };
  mount(spec.initContainers);
  mount(spec.containers);
  if (!existing && needed) spec.volumes = [...(spec.volumes ?? []), tokenVolume(name)];
}

const MANAGER = { fieldManager: "kube-controller-manager" };

/**
 * The two controllers' sync for one namespace: an active namespace gets back a deleted
 * `default` ServiceAccount, and a missing or changed `kube-root-ca.crt`.
 */
export async function syncNamespaceDefaults(
  ctx: ControllerContext,
  cluster: string,
  ns: string,
): Promise<void> {
  const nsType = await ctx.type(cluster, "core/namespaces");
  const namespace = await ctx.api.get(cluster, nsType, "", ns).catch(() => undefined);
  const m = namespace?.metadata as { deletionTimestamp?: string } | undefined;
  if (!namespace || m?.deletionTimestamp) return;
  const saType = await ctx.type(cluster, "core/serviceaccounts");
  const sa = await ctx.api.get(cluster, saType, ns, DEFAULT_SERVICE_ACCOUNT).catch(() => undefined);
  if (!sa) await ctx.api.create(cluster, saType, ns, serviceAccountBody(ns), MANAGER).catch(ignoreExists);
  const pem = rootCas.get(ctx.store);
  if (!pem) return;
  const cmType = await ctx.type(cluster, "core/configmaps");
  const cm = (await ctx.api.get(cluster, cmType, ns, ROOT_CA_CONFIGMAP).catch(() => undefined)) as
    | ConfigMap
    | undefined;
  const want = rootCaBody(ns, pem);
  if (!cm) await ctx.api.create(cluster, cmType, ns, want, MANAGER).catch(ignoreExists);
  else if (
    cm.data?.["ca.crt"] !== pem ||
    Object.keys(cm.data ?? {}).length !== 1 ||
    !cm.metadata?.annotations?.["kubernetes.io/description"]
  )
    await ctx.api.update(
      cluster,
      cmType,
      ns,
      ROOT_CA_CONFIGMAP,
      {
        ...cm,
        metadata: {
          ...cm.metadata,
          annotations: { ...cm.metadata?.annotations, ...want.metadata?.annotations },
        },
        data: want.data,
      },
      MANAGER,
    );
}

function ignoreExists(e: unknown): void {
  if ((e as { code?: number }).code === 409) return;
  throw e;
}
