// Kubeconfigs for listClusterUserCredential / listClusterAdminCredential: the server is this
// cluster's Kubernetes endpoint on the emulator (`<base>/clusters/<resourceUID>`), trusted
// through the emulator's CA, authenticated by a bearer token derived from the cluster's UID
// so the Kubernetes face (a later issue) can verify it without stored secrets.
import { createHash } from "node:crypto";
import { stringify } from "yaml";

export type CredentialKind = "user" | "admin";

/** The bearer token for a cluster's user or admin credential. */
export function clusterToken(resourceUID: string, kind: CredentialKind): string {
  return createHash("sha256").update(`aksnet-kube-token\u0000${resourceUID}\u0000${kind}`).digest("hex");
}

export interface KubeconfigInput {
  baseUrl: string;
  caCertPem: string;
  resourceUID: string;
  clusterName: string;
  resourceGroup: string;
  kind: CredentialKind;
}

export function kubeconfig(i: KubeconfigInput): string {
  const user = `${i.kind === "admin" ? "clusterAdmin" : "clusterUser"}_${i.resourceGroup}_${i.clusterName}`;
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
    users: [{ name: user, user: { token: clusterToken(i.resourceUID, i.kind) } }],
  });
}

/** CredentialResults: `{kubeconfigs:[{name, value}]}` with the kubeconfig base64-encoded. */
export function credentialResults(i: KubeconfigInput): { kubeconfigs: { name: string; value: string }[] } {
  return {
    kubeconfigs: [
      {
        name: i.kind === "admin" ? "clusterAdmin" : "clusterUser",
        value: Buffer.from(kubeconfig(i), "utf8").toString("base64"),
      },
    ],
  };
}
