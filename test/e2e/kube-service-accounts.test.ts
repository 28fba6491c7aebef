// Every namespace's default ServiceAccount and kube-root-ca.crt, and the ServiceAccount admission
// plugin, driven with the real kubectl: a new namespace has both at once (so a pod created right
// after finds its account), the controllers put them back, a pod naming a missing account is
// refused with kube-apiserver's words, and an admitted pod mounts the projected API token
// volume unless the pod or its account turns automounting off.
import type { Pod } from "kubernetes-types/core/v1.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import {
  type KubeCluster,
  kubectl,
  kubectlOk,
  manifestFile,
  startKubeEmulator,
} from "../kube/kube-helpers.js";
import { makeCluster, until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;

beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await makeCluster(emu, "sa", { count: 1, version: "1.33" });
});
afterAll(async () => {
  await emu?.close();
});

const TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";

const getPod = async (ns: string, name: string) =>
  JSON.parse(await kubectlOk(c, ["get", "pod", name, "-n", ns, "-o", "json"])) as Pod;

describe("namespace defaults and the ServiceAccount admission plugin", () => {
  it("a new namespace has its default ServiceAccount and the API server's CA from the start", async () => {
    const out = await kubectlOk(c, ["create", "namespace", "shop"]);
    expect(out).toBe("namespace/shop created\n");
    // No waiting: a pod created at once finds its account.
    expect(await kubectlOk(c, ["run", "web", "-n", "shop", "--image=nginx"])).toBe("pod/web created\n");
    const sa = JSON.parse(await kubectlOk(c, ["get", "sa", "default", "-n", "shop", "-o", "json"]));
    expect(sa.metadata.name).toBe("default");
    const cm = JSON.parse(await kubectlOk(c, ["get", "cm", "kube-root-ca.crt", "-n", "shop", "-o", "json"]));
    const ca = Buffer.from(
      /certificate-authority-data: (\S+)/.exec(c.kubeconfig)?.[1] ?? "",
      "base64",
    ).toString();
    expect(ca).toContain("BEGIN CERTIFICATE");
    expect(cm.data).toEqual({ "ca.crt": ca });
    expect(cm.metadata.annotations["kubernetes.io/description"]).toMatch(/^Contains a CA bundle/);
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
      const names = await kubectlOk(c, ["get", "sa,cm", "-n", ns, "-o", "name"]);
      expect(names).toContain("serviceaccount/default\n");
      expect(names).toContain("configmap/kube-root-ca.crt\n");
    }
    // kubectl create token needs the account to exist.
    const token = await kubectlOk(c, ["create", "token", "default", "-n", "shop"]);
    expect(token.split(".")).toHaveLength(3);
  });

  it("an admitted pod mounts kube-api-access-xxxxx in every container", async () => {
    const pod = await getPod("shop", "web");
    expect(pod.spec?.serviceAccountName).toBe("default");
    const vol = pod.spec?.volumes?.find((v) => v.name.startsWith("kube-api-access-"));
    expect(vol?.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(vol?.projected).toEqual({
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        {
          downwardAPI: {
            items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }],
          },
        },
      ],
    });
    expect(pod.spec?.containers[0].volumeMounts).toEqual([
      { name: vol?.name, readOnly: true, mountPath: TOKEN_PATH },
    ]);
    // Admission runs after create's field manager: the volume is nobody's (and a template's
    // pods keep one shared managedFields tree).
    const managed = JSON.parse(
      await kubectlOk(c, ["get", "pod", "web", "-n", "shop", "-o", "json", "--show-managed-fields"]),
    ).metadata.managedFields;
    expect(managed.length).toBeGreaterThan(0);
    expect(JSON.stringify(managed)).not.toContain("kube-api-access");
    expect(JSON.stringify(managed)).not.toContain("f:volumeMounts");
    const describe = await kubectlOk(c, ["describe", "pod", "web", "-n", "shop"]);
    expect(describe).toContain(`${TOKEN_PATH} from ${vol?.name} (ro)`);
    expect(describe).toMatch(/ConfigMapName:\s+kube-root-ca\.crt/);
  });

  it("automounting off (pod or account), an own mount at the path, and the account's pull secrets", async () => {
    await kubectlOk(c, [
      "apply",
      "-f",
      manifestFile(`apiVersion: v1
kind: ServiceAccount
metadata: {name: quiet, namespace: shop}
automountServiceAccountToken: false
imagePullSecrets: [{name: regcred}]
---
apiVersion: v1
kind: Pod
metadata: {name: p-off, namespace: shop}
spec:
  automountServiceAccountToken: false
  containers: [{name: a, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata: {name: sa-off, namespace: shop}
spec:
  serviceAccountName: quiet
  containers: [{name: a, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata: {name: own, namespace: shop}
spec:
  volumes: [{name: mine, emptyDir: {}}]
  initContainers: [{name: init, image: busybox, volumeMounts: [{name: mine, mountPath: ${TOKEN_PATH}}]}]
  containers: [{name: a, image: nginx}]
`),
    ]);
    const off = await getPod("shop", "p-off");
    expect(off.spec?.volumes).toBeUndefined();
    expect(off.spec?.containers[0].volumeMounts).toBeUndefined();
    // The deprecated spec.serviceAccount names the account when serviceAccountName does not.
    await kubectlOk(c, [
      "run",
      "old-style",
      "-n",
      "shop",
      "--image=nginx",
      "--overrides",
      '{"spec":{"serviceAccount":"quiet"}}',
    ]);
    const oldStyle = await getPod("shop", "old-style");
    expect([oldStyle.spec?.serviceAccountName, oldStyle.spec?.serviceAccount]).toEqual(["quiet", "quiet"]);
    expect(oldStyle.spec?.volumes).toBeUndefined();
    const saOff = await getPod("shop", "sa-off");
    expect(saOff.spec?.volumes).toBeUndefined();
    expect(saOff.spec?.imagePullSecrets).toEqual([{ name: "regcred" }]);
    const own = await getPod("shop", "own");
    expect(own.spec?.initContainers?.[0].volumeMounts).toEqual([{ name: "mine", mountPath: TOKEN_PATH }]);
    const token = own.spec?.volumes?.find((v) => v.name.startsWith("kube-api-access-"))?.name;
    expect(own.spec?.containers[0].volumeMounts).toEqual([
      { name: token, readOnly: true, mountPath: TOKEN_PATH },
    ]);
  });

  it("a pod naming a missing account is refused, and so is a Deployment's replica (FailedCreate)", async () => {
    const r = await kubectl(c, [
      "run",
      "bad",
      "-n",
      "shop",
      "--image=nginx",
      "--overrides",
      '{"spec":{"serviceAccountName":"nope"}}',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Error from server (Forbidden): pods "bad" is forbidden: error looking up service account shop/nope: serviceaccount "nope" not found\n',
    );
    await kubectlOk(c, ["create", "deployment", "lost", "-n", "shop", "--image=nginx"]);
    await kubectlOk(c, [
      "patch",
      "deployment",
      "lost",
      "-n",
      "shop",
      "-p",
      '{"spec":{"template":{"spec":{"serviceAccountName":"ghost"}}}}',
    ]);
    const ev = await until(async () => {
      const out = await kubectlOk(c, [
        "get",
        "events",
        "-n",
        "shop",
        "--field-selector",
        "reason=FailedCreate",
        "-o",
        "json",
      ]);
      const items = JSON.parse(out).items as { message: string }[];
      return items.find((e) => e.message.includes("ghost"));
    });
    expect(ev.message).toMatch(
      /^Error creating: pods "lost-[a-z0-9]+-" is forbidden: error looking up service account shop\/ghost: serviceaccount "ghost" not found$/,
    );
  });

  it("a deleted default account and a changed kube-root-ca.crt are put back; a terminating namespace gets nothing back", async () => {
    await kubectlOk(c, ["delete", "sa", "default", "-n", "shop"]);
    await until(async () =>
      (await kubectl(c, ["get", "sa", "default", "-n", "shop"])).code === 0 ? true : undefined,
    );
    await kubectlOk(c, [
      "patch",
      "cm",
      "kube-root-ca.crt",
      "-n",
      "shop",
      "--type=merge",
      "-p",
      '{"data":{"ca.crt":"junk","extra":"x"}}',
    ]);
    const restored = await until(async () => {
      const cm = JSON.parse(
        await kubectlOk(c, ["get", "cm", "kube-root-ca.crt", "-n", "shop", "-o", "json"]),
      );
      return cm.data["ca.crt"] !== "junk" ? cm : undefined;
    });
    expect(Object.keys(restored.data)).toEqual(["ca.crt"]);
    expect(restored.data["ca.crt"]).toContain("BEGIN CERTIFICATE");
    await kubectlOk(c, ["delete", "namespace", "shop", "--wait=true"]);
    const r = await kubectl(c, ["get", "sa,cm", "-n", "shop", "-o", "name"]);
    expect(r.stdout).toBe("");
  });
});
