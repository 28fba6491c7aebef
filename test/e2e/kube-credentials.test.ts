// Issue 8 item 4: Kubernetes credentials were a hash of the cluster's resource ID with no
// secret, identical on every install, admin included. Now: HMAC under a per-install key,
// distinct per cluster and per kind, verified by the Kubernetes face.
import { afterAll, describe, expect, it } from "vitest";
import { clusterToken, verifyClusterToken } from "../../src/providers/containerservice/kubeconfig.js";
import type { TestEmulator } from "../helpers/emulator.js";
import { createCluster, startKubeEmulator } from "../kube/kube-helpers.js";

const emus: TestEmulator[] = [];
afterAll(async () => {
  for (const e of emus) await e.close();
});

describe("cluster credentials", () => {
  it("the same cluster id on two installs gets different tokens; each opens only its own install", async () => {
    const a = await startKubeEmulator();
    const b = await startKubeEmulator();
    emus.push(a, b);
    const ca = await createCluster(a, "same", "1.33");
    const cb = await createCluster(b, "same", "1.33");
    // Same subscription, group and name: the resourceUID is fresh per creation, and the
    // secrets differ (same uid under two keys: the HMAC test below).
    expect(ca.uid).not.toBe(cb.uid);
    expect(ca.token).not.toBe(cb.token);
    expect(ca.adminToken).not.toBe(cb.adminToken);
    expect(ca.token).not.toBe(ca.adminToken);
    const cross = await fetch(`${cb.server}/api/v1/namespaces`, {
      headers: { authorization: `Bearer ${ca.token}` },
    });
    expect(cross.status).toBe(401);
    expect(((await cross.json()) as { reason: string }).reason).toBe("Unauthorized");
    const own = await fetch(`${ca.server}/api/v1/namespaces`, {
      headers: { authorization: `Bearer ${ca.token}` },
    });
    expect(own.status).toBe(200);
  });

  it("tokens are HMACs: per key, per cluster, per kind", () => {
    const k1 = Buffer.alloc(32, 1);
    const k2 = Buffer.alloc(32, 2);
    const t = clusterToken(k1, "uid1", "user");
    expect(t).toMatch(/^[0-9a-f]{64}$/);
    expect(clusterToken(k2, "uid1", "user")).not.toBe(t);
    expect(clusterToken(k1, "uid2", "user")).not.toBe(t);
    expect(verifyClusterToken(k1, "uid1", t)).toBe("user");
    expect(verifyClusterToken(k1, "uid1", clusterToken(k1, "uid1", "admin"))).toBe("admin");
    expect(verifyClusterToken(k1, "uid2", t)).toBeUndefined();
    expect(verifyClusterToken(k2, "uid1", t)).toBeUndefined();
  });
});
