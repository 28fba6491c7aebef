// NAT gateways and the AKS outbound types through `aksnet az` against a real emulator: the
// command lines of AKS's NAT gateway docs (az network nat gateway create, subnet --nat-gateway,
// az aks create/update --outbound-type … --nat-gateway-managed-outbound-ip-count …).
import { describe, expect, it } from "vitest";
import { useEmulatorAz } from "./emulator-az.js";

const t = useEmulatorAz();
const { az, ok } = t;
const json = async (line: string) => JSON.parse((await ok(line)).stdout);

describe("az network nat gateway and AKS outbound types", () => {
  it("managedNATGateway: create with 2 IPs, update the count and idle timeout, migrate to loadBalancer", async () => {
    await ok("az group create -n natrg -l eastus");
    const mc = await json(
      "az aks create -g natrg -n nat1 --node-count 1 --outbound-type managedNATGateway --nat-gateway-managed-outbound-ip-count 2 --nat-gateway-idle-timeout 8 --generate-ssh-keys",
    );
    expect(mc.networkProfile.outboundType).toBe("managedNATGateway");
    expect(mc.networkProfile.natGatewayProfile).toMatchObject({
      managedOutboundIpProfile: { count: 2 },
      idleTimeoutInMinutes: 8,
    });
    expect(mc.networkProfile.natGatewayProfile.effectiveOutboundIPs).toHaveLength(2);
    const g = await json("az network nat gateway show -g MC_natrg_nat1_eastus -n aks-natgw");
    expect(g.publicIpAddresses).toHaveLength(2);
    expect(g.idleTimeoutInMinutes).toBe(8);
    const up = await json("az aks update -g natrg -n nat1 --nat-gateway-managed-outbound-ip-count 3");
    expect(up.networkProfile.natGatewayProfile).toMatchObject({
      managedOutboundIpProfile: { count: 3 },
      idleTimeoutInMinutes: 8,
    });
    const lb = await json("az aks update -g natrg -n nat1 --outbound-type loadBalancer");
    expect(lb.networkProfile.outboundType).toBe("loadBalancer");
    expect(lb.networkProfile.natGatewayProfile ?? null).toBeNull();
    expect(lb.networkProfile.loadBalancerProfile.effectiveOutboundIPs).toHaveLength(1);
    const gone = await az("az network nat gateway show -g MC_natrg_nat1_eastus -n aks-natgw");
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain("ResourceNotFound");
  });

  it("userAssignedNATGateway: public IP + NAT gateway + subnet --nat-gateway, then aks create on that subnet", async () => {
    await ok("az network public-ip create -g natrg -n natip --sku Standard");
    const g = await json(
      "az network nat gateway create -g natrg -n mynat --public-ip-addresses natip --idle-timeout 10",
    );
    expect(g).toMatchObject({ idleTimeoutInMinutes: 10, sku: { name: "Standard" } });
    expect(g.publicIpAddresses[0].id).toMatch(/\/publicIPAddresses\/natip$/);
    await ok(
      "az network vnet create -g natrg -n natvnet --address-prefixes 10.40.0.0/16 --subnet-name s --subnet-prefixes 10.40.0.0/22",
    );
    const s = await json(
      "az network vnet subnet update -g natrg --vnet-name natvnet -n s --nat-gateway mynat",
    );
    expect(s.natGateway.id).toBe(g.id);
    expect((await json("az network nat gateway list -g natrg")).map((x: { name: string }) => x.name)).toEqual(
      ["mynat"],
    );
    const mc = await json(
      `az aks create -g natrg -n nat2 --node-count 1 --network-plugin azure --vnet-subnet-id ${s.id} --outbound-type userAssignedNATGateway --generate-ssh-keys`,
    );
    expect(mc.networkProfile.outboundType).toBe("userAssignedNATGateway");
    const del = await az("az network nat gateway delete -g natrg -n mynat");
    expect(del.code).not.toBe(0);
    expect(del.stderr).toContain("CannotDeleteNatGatewayAssociatedToSubnet");
  });
});
