// Service account tokens (`serviceaccounts/<name>/token`, what `kubectl create token` asks for):
// bound JWTs with kube-apiserver's claims (`sub` system:serviceaccount:<ns>:<name>, the
// `kubernetes.io` claim naming namespace and service account with their uids), signed HS256
// with a key derived from the install's kube token key and the cluster, so a token opens only
// its own cluster and only while its service account (same uid) lives.
import { createHmac } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";

export const DEFAULT_AUDIENCE = "https://kubernetes.default.svc.cluster.local";
export const ISSUER = "https://kubernetes.default.svc.cluster.local";

function clusterKey(installKey: Buffer, cluster: string): Uint8Array {
  return createHmac("sha256", installKey).update(`aksnet-sa-token\u0000${cluster}`).digest();
}

export interface ServiceAccountRef {
  namespace: string;
  name: string;
  uid: string;
}

export async function mintServiceAccountToken(
  installKey: Buffer,
  cluster: string,
  sa: ServiceAccountRef,
  audiences: string[],
  expirationSeconds: number,
  nowMs = Date.now(),
): Promise<{ token: string; expires: Date }> {
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + expirationSeconds;
  const token = await new SignJWT({
    "kubernetes.io": { namespace: sa.namespace, serviceaccount: { name: sa.name, uid: sa.uid } },
    "aksnet.cluster": cluster,
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setSubject(`system:serviceaccount:${sa.namespace}:${sa.name}`)
    .setAudience(audiences)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(exp)
    .sign(clusterKey(installKey, cluster));
  return { token, expires: new Date(exp * 1000) };
}

/** The service account a token of this cluster names, if it verifies and has not expired. */
export async function verifyServiceAccountToken(
  installKey: Buffer,
  cluster: string,
  token: string,
): Promise<ServiceAccountRef | undefined> {
  if (token.split(".").length !== 3) return undefined;
  try {
    const { payload } = await jwtVerify(token, clusterKey(installKey, cluster), {
      issuer: ISSUER,
      algorithms: ["HS256"],
    });
    if (payload["aksnet.cluster"] !== cluster) return undefined;
    const k = payload["kubernetes.io"] as
      | { namespace?: string; serviceaccount?: { name?: string; uid?: string } }
      | undefined;
    if (!k?.namespace || !k.serviceaccount?.name || !k.serviceaccount.uid) return undefined;
    return { namespace: k.namespace, name: k.serviceaccount.name, uid: k.serviceaccount.uid };
  } catch {
    return undefined;
  }
}
