// `aksnet az aks create/update --load-balancer-outbound-ips / --load-balancer-managed-outbound-ip-count
// / --load-balancer-outbound-ip-prefixes` against a real emulator, as the AKS docs ("Provide your
// own outbound public IPs or prefixes") type them.
import { describe, expect, it } from "vitest";
import { useEmulatorAz } from "../cli/emulator-az.js";

const t = useEmulatorAz();
const { az, ok } = t;
const json = async (line: string) => JSON.parse((await ok(line)).stdout);
const MC = "MC_azoi_c1_eastus";

describe("az aks outbound IP flags", () => {
  it("create with your own IPs, update to another, back to managed; refusals", async () => {
    await ok("az group create -n azoi -l eastus");
    const ip1 = (await json("az network public-ip create -g azoi -n ip1 --sku Standard")).publicIp.id;
    const ip2 = (await json("az network public-ip create -g azoi -n ip2 --sku Standard")).publicIp.id;
    const ip3 = (await json("az network public-ip create -g azoi -n ip3 --sku Standard")).publicIp.id;
    const mc = await json(
      `az aks create -g azoi -n c1 --node-count 1 --load-balancer-outbound-ips ${ip1},${ip2} --generate-ssh-keys`,
    );
    const lbp = mc.networkProfile.loadBalancerProfile;
    expect(lbp.outboundIPs.publicIPs.map((r: { id: string }) => r.id)).toEqual([ip1, ip2]);
    expect(lbp.effectiveOutboundIPs.map((r: { id: string }) => r.id)).toEqual([ip1, ip2]);
    expect(lbp.managedOutboundIPs ?? null).toBeNull();
    const held = await az("az network public-ip delete -g azoi -n ip1");
    expect(held.code).not.toBe(0);
    expect(held.stderr).toContain("PublicIPAddressCannotBeDeleted");

    const up = await json(`az aks update -g azoi -n c1 --load-balancer-outbound-ips ${ip3}`);
    expect(
      up.networkProfile.loadBalancerProfile.effectiveOutboundIPs.map((r: { id: string }) => r.id),
    ).toEqual([ip3]);
    await ok("az network public-ip delete -g azoi -n ip1");

    const back = await json("az aks update -g azoi -n c1 --load-balancer-managed-outbound-ip-count 2");
    expect(back.networkProfile.loadBalancerProfile.managedOutboundIPs).toEqual({ count: 2 });
    expect(back.networkProfile.loadBalancerProfile.outboundIPs ?? null).toBeNull();
    const managed = await json(`az network public-ip list -g ${MC}`);
    expect(managed).toHaveLength(2);
    await ok("az network public-ip delete -g azoi -n ip3");

    const both = await az(
      `az aks update -g azoi -n c1 --load-balancer-managed-outbound-ip-count 1 --load-balancer-outbound-ips ${ip2}`,
    );
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain("InvalidLoadBalancerProfile");
    const missing = await az(
      `az aks create -g azoi -n c2 --node-count 1 --load-balancer-outbound-ips ${ip1} --generate-ssh-keys`,
    );
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("InvalidLoadBalancerProfileOutboundIPs");
    expect(missing.stderr).toContain("LoadBalancerProfileOutboundIPNotExist");
    const basic = await az(
      "az aks create -g azoi -n c3 --node-count 1 --load-balancer-sku basic --generate-ssh-keys",
    );
    expect(basic.code).not.toBe(0);
    expect(basic.stderr).toContain("networkProfile.loadBalancerSku");
  });
});
