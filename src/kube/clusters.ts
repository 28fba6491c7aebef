// Which emulated cluster a Kubernetes request is for: `/clusters/<uid>` names a managed
// cluster by its resourceUID (providers/containerservice) or an AKS-on-HCI workload cluster by
// its uid (hci/clusters.ts), whose Kubernetes version the cluster's `/version` reports; and
// whether a bearer token is one of its credentials (both kinds use the same HMAC tokens).

import { clusterId as hciClusterId } from "../hci/model.js";
import { kubeTokenKey, verifyClusterToken } from "../providers/containerservice/kubeconfig.js";
import { CLUSTER_TYPE } from "../providers/containerservice/model.js";
import type { Store } from "../store/types.js";
import { hciClusters, fullVersion as hciVersion } from "./controllers/source.js";
import type { Identity } from "./reviews.js";
import { verifyServiceAccountToken } from "./tokens.js";

export interface ClusterInfo {
  uid: string;
  id: string;
  name: string;
  /** `1.33.5` */
  version: string;
  platform: "aks" | "hci";
}

/** How long a lookup is trusted (requests come in bursts; a list of every cluster per request is not needed). */
const CACHE_MS = 400;

export class ClusterDirectory {
  private cache = new Map<string, { at: number; info: ClusterInfo | undefined }>();
  private key: Buffer | undefined;

  constructor(private readonly store: Store) {}

  async find(uid: string): Promise<ClusterInfo | undefined> {
    const hit = this.cache.get(uid);
    // Short-lived: a deleted cluster's credentials must be refused soon after (a stale hit would
    // also let ensureCluster write its default namespaces again after the sweep).
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.info;
    const [all, hci] = await this.store.read(
      async (tx) => [await tx.listResources({ type: CLUSTER_TYPE }), await hciClusters(tx)] as const,
    );
    const now = Date.now();
    this.cache.clear();
    let found: ClusterInfo | undefined;
    for (const r of all) {
      const internal = (r.internal ?? {}) as { resourceUID?: string; spec?: { kubernetesVersion?: string } };
      if (!internal.resourceUID) continue;
      const props = (r.body.properties ?? {}) as {
        currentKubernetesVersion?: string;
        kubernetesVersion?: string;
      };
      const info: ClusterInfo = {
        uid: internal.resourceUID,
        id: r.id,
        name: String(r.body.name ?? ""),
        version: fullVersion(
          props.currentKubernetesVersion ??
            props.kubernetesVersion ??
            internal.spec?.kubernetesVersion ??
            "1.33",
        ),
        platform: "aks",
      };
      this.cache.set(info.uid, { at: now, info });
      if (info.uid === uid) found = info;
    }
    for (const h of hci) {
      const info: ClusterInfo = {
        uid: h.body.uid,
        id: hciClusterId(h.subscriptionId, h.body.name),
        name: h.body.name,
        version: hciVersion(h.body.kubernetesVersion),
        platform: "hci",
      };
      this.cache.set(info.uid, { at: now, info });
      if (info.uid === uid) found = info;
    }
    if (!found) this.cache.set(uid, { at: now, info: undefined });
    return found;
  }

  /**
   * The cluster a credential belongs to, and who it is there: each cluster's credentials are
   * tried (`kubectl get --raw` sends paths from the server's root, without `/clusters/<uid>`).
   */
  async findByToken(token: string): Promise<{ info: ClusterInfo; who: Identity } | undefined> {
    await this.find(""); // fills the cache with every cluster
    for (const { info } of [...this.cache.values()]) {
      if (!info) continue;
      const who = await this.verify(info.uid, token);
      if (who) return { info, who };
    }
    return undefined;
  }

  /** The install's kube token key (service account tokens are signed with a key derived from it). */
  async tokenKey(): Promise<Buffer> {
    this.key ??= await this.store.transaction((tx) => kubeTokenKey(tx));
    return this.key;
  }

  /**
   * The cluster's user, admin or monitoring credential, or a service account token of this
   * cluster whose service account still exists with the same uid (it acts as the user
   * credential: RBAC is not enforced).
   */
  async verify(uid: string, token: string): Promise<Identity | undefined> {
    const key = await this.tokenKey();
    const kind = verifyClusterToken(key, uid, token);
    if (kind) return { kind };
    const sa = await verifyServiceAccountToken(key, uid, token);
    if (!sa) return undefined;
    const rec = await this.store.read((tx) =>
      tx.getObject(uid, "core/serviceaccounts", sa.namespace, sa.name),
    );
    const live = (rec?.body.metadata as { uid?: string } | undefined)?.uid;
    return live === sa.uid
      ? { kind: "user", serviceAccount: { namespace: sa.namespace, name: sa.name, uid: sa.uid } }
      : undefined;
  }
}

function fullVersion(v: string): string {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(v);
  return m ? `${m[1]}.${m[2]}.${m[3] ?? "0"}` : "1.33.0";
}
