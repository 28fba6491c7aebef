// Kubeconfigs for listClusterUserCredential / listClusterAdminCredential: the server is this
// cluster's Kubernetes endpoint on the emulator (`<base>/clusters/<resourceUID>`), trusted
// through the emulator's CA, authenticated by a bearer token that is an HMAC of the cluster
// and the credential kind under a random per-install key (kept in the store as
// `install.kube-token-key`, which reset keeps). So tokens differ per install, per cluster and
// per kind, cannot be derived from the cluster's id, and the Kubernetes face verifies them
// without storing any.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { stringify } from "yaml";
import type { Tx } from "../../store/types.js";

/** `monitoring`: listClusterMonitoringUserCredential's read-only credential. */
export type CredentialKind = "user" | "admin" | "monitoring";

const KEY_META = "install.kube-token-key";

/** The install's token key (created on first use; every process of the install shares it). */
export async function kubeTokenKey(tx: Pick<Tx, "initMeta">): Promise<Buffer> {
  return Buffer.from(await tx.initMeta(KEY_META, randomBytes(32).toString("base64")), "base64");
}

/** The bearer token for a cluster's user or admin credential. */
export function clusterToken(key: Buffer, resourceUID: string, kind: CredentialKind): string {
  return createHmac("sha256", key).update(`aksnet-kube-token\u0000${resourceUID}\u0000${kind}`).digest("hex");
}

/** Which credential of this cluster `token` is, if any (constant-time comparisons). */
export function verifyClusterToken(
  key: Buffer,
  resourceUID: string,
  token: string,
): CredentialKind | undefined {
  const got = Buffer.from(token);
  for (const kind of ["admin", "user", "monitoring"] as const) {
    const want = Buffer.from(clusterToken(key, resourceUID, kind));
    if (got.length === want.length && timingSafeEqual(got, want)) return kind;
  }
  return undefined;
}

/** AKS's credential and kubeconfig user names per kind. */
const USER_NAMES: Record<CredentialKind, string> = {
  user: "clusterUser",
  admin: "clusterAdmin",
  monitoring: "clusterMonitoringUser",
};

export interface KubeconfigInput {
  baseUrl: string;
  caCertPem: string;
  resourceUID: string;
  clusterName: string;
  resourceGroup: string;
  kind: CredentialKind;
  token: string;
}

export function kubeconfig(i: KubeconfigInput): string {
  const user = `${USER_NAMES[i.kind]}_${i.resourceGroup}_${i.clusterName}`;
  // Both kubeconfigs name the context after the cluster; `az aks get-credentials --admin`
  // renames the clusterAdmin one to `<cluster>-admin` when it merges.
  const context = i.clusterName;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: i.clusterName,
        cluster: {
          "certificate-authority-data": Buffer.from(i.caCertPem, "utf8").toString("base64"),
          server: `${i.baseUrl.replace(/\/+$/, "")}/clusters/${i.resourceUID}`,
        },
      },
    ],
    contexts: [{ name: context, context: { cluster: i.clusterName, user } }],
    "current-context": context,
    preferences: {},
    users: [{ name: user, user: { token: i.token } }],
  });
}

/** CredentialResults: `{kubeconfigs:[{name, value}]}` with the kubeconfig base64-encoded. */
export function credentialResults(i: KubeconfigInput): { kubeconfigs: { name: string; value: string }[] } {
  return {
    kubeconfigs: [
      {
        name: USER_NAMES[i.kind],
        value: Buffer.from(kubeconfig(i), "utf8").toString("base64"),
      },
    ],
  };
}
