// kube-apiserver's Service refusals (ValidateService, the registry's IP families) and
// dropTypeDependentFields on a type change, with the real kubectl; and the EndpointSlice
// controller's placeholder slice of a Service without endpoints (no ports).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import { type KubeCluster, kubectl, kubectlOk, startKubeEmulator } from "../kube/kube-helpers.js";
import { makeCluster, until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;
beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await makeCluster(emu, "sval", { count: 1 });
}, 120_000);
afterAll(async () => emu?.close());

const create = (name: string, spec: string) =>
  kubectl(
    c,
    ["create", "-f", "-"],
    `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec: ${spec}\n`,
  );

describe("Service validation", () => {
  it("refuses what kube-apiserver refuses, naming the field", async () => {
    const cases: [string, string, string][] = [
      [
        "en",
        `{type: ExternalName, externalName: "not a dns!"}`,
        `The Service "en" is invalid: spec.externalName: Invalid value: "not a dns!": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      ],
      [
        "lbh",
        "{type: LoadBalancer, clusterIP: None, ports: [{port: 80}]}",
        `The Service "lbh" is invalid: spec.clusterIPs[0]: Invalid value: "None": may not be set to 'None' for LoadBalancer services`,
      ],
      [
        "etp",
        "{type: ClusterIP, externalTrafficPolicy: Local, ports: [{port: 80}]}",
        `The Service "etp" is invalid: spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services`,
      ],
      [
        "sr",
        `{type: LoadBalancer, loadBalancerSourceRanges: ["1.2.3.4"], ports: [{port: 80}]}`,
        `The Service "sr" is invalid: spec.LoadBalancerSourceRanges[0]: Invalid value: "1.2.3.4": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`,
      ],
      [
        "v6",
        "{ipFamilies: [IPv6], ports: [{port: 80}]}",
        `The Service "v6" is invalid: spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster`,
      ],
    ];
    for (const [name, spec, message] of cases) {
      const r = await create(name, spec);
      expect(r.code, name).not.toBe(0);
      expect(r.stderr, name).toContain(message);
      expect((await kubectl(c, ["get", "svc", name])).code, name).not.toBe(0);
    }
    // Accepted neighbours: a padded CIDR, a fully qualified external name.
    expect(
      (
        await create(
          "sr-ok",
          `{type: LoadBalancer, loadBalancerSourceRanges: [" 10.0.0.0/8 "], ports: [{port: 80}]}`,
        )
      ).code,
    ).toBe(0);
    expect((await create("en-ok", `{type: ExternalName, externalName: "example.com."}`)).code).toBe(0);
  });

  it("LoadBalancer → ClusterIP drops what only a LoadBalancer has", async () => {
    expect(
      (
        await create(
          "lb",
          `{type: LoadBalancer, externalTrafficPolicy: Local, allocateLoadBalancerNodePorts: false, loadBalancerClass: "example.com/lb", ports: [{port: 80}]}`,
        )
      ).code,
    ).toBe(0);
    await kubectlOk(c, ["patch", "svc", "lb", "-p", '{"spec":{"type":"ClusterIP"}}']);
    const spec = JSON.parse(await kubectlOk(c, ["get", "svc", "lb", "-o", "jsonpath={.spec}"]));
    expect(spec.type).toBe("ClusterIP");
    for (const f of [
      "allocateLoadBalancerNodePorts",
      "loadBalancerClass",
      "externalTrafficPolicy",
      "healthCheckNodePort",
    ])
      expect(spec[f], f).toBeUndefined();
    expect(spec.ports[0].nodePort).toBeUndefined();
  });
});

describe("EndpointSlice of a Service without endpoints", () => {
  it("is the controller's placeholder: no ports (kubectl shows <unset>)", async () => {
    expect(
      (await create("lonely", "{selector: {app: nobody}, ports: [{port: 80, targetPort: 8080}]}")).code,
    ).toBe(0);
    const line = await until(async () => {
      const out = await kubectlOk(c, ["get", "endpointslices", "-l", "kubernetes.io/service-name=lonely"]);
      return out.split("\n").find((l) => l.startsWith("lonely-"));
    });
    expect(line).toMatch(/^lonely-\S+\s+IPv4\s+<unset>\s+<unset>\s+/);
  });
});
