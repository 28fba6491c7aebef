// Acceptance variations around the seeds through `aksnet az` against a real emulator: command
// lines az accepts that the seeds do not spell out (vmss NICs, zones, outbound types), each
// checked against what az and Azure answer.
import { describe, expect, it } from "vitest";
import { useEmulatorAz } from "./emulator-az.js";

const t = useEmulatorAz();
const { az, ok } = t;

describe("az vmss nic: the node NICs of an Azure CNI pool", () => {
  let vmss = "";

  it("list, list-vm-nics and show read the scale set's NICs (SDK attribute names)", async () => {
    await ok("az group create -n vn -l eastus -o none");
    await ok(
      "az network vnet create -g vn -n v1 --address-prefixes 10.20.0.0/16 --subnet-name s1 --subnet-prefixes 10.20.0.0/24 -o none",
    );
    const subnet = (
      await ok("az network vnet subnet show -g vn --vnet-name v1 -n s1 --query id -o tsv")
    ).stdout.trim();
    await ok(
      `az aks create -g vn -n c1 --network-plugin azure --vnet-subnet-id ${subnet} --node-count 2 --max-pods 10 --generate-ssh-keys -o none`,
    );
    vmss = (await ok("az vmss list -g MC_vn_c1_eastus --query [0].name -o tsv")).stdout.trim();
    // Azure CNI: each node's primary address, then maxPods addresses reserved for its pods.
    const list = await ok(
      `az vmss nic list -g MC_vn_c1_eastus --vmss-name ${vmss} --query "[].{ip:ipConfigurations[0].privateIpAddress,primary:primary,configs:length(ipConfigurations)}"`,
    );
    expect(JSON.parse(list.stdout)).toEqual([
      { ip: "10.20.0.4", primary: true, configs: 11 },
      { ip: "10.20.0.15", primary: true, configs: 11 },
    ]);
    const ids = (
      await ok(
        `az vmss nic list-vm-nics -g MC_vn_c1_eastus --vmss-name ${vmss} --instance-id 1 --query [].id -o tsv`,
      )
    ).stdout
      .trim()
      .split("\n");
    expect(ids).toHaveLength(1);
    expect(ids[0]).toMatch(
      new RegExp(`/virtualMachineScaleSets/${vmss}/virtualMachines/1/networkInterfaces/`),
    );
    const nicName = ids[0].split("/").pop();
    const show = await ok(
      `az vmss nic show -g MC_vn_c1_eastus --vmss-name ${vmss} --instance-id 1 -n ${nicName} --query "ipConfigurations[0].[privateIpAddress,subnet.id]" -o tsv`,
    );
    expect(show.stdout).toBe(`10.20.0.15\n${subnet}\n`);
  });

  it("a scale set that does not exist is az's ResourceNotFound, exit 3", async () => {
    const r = await az("az vmss nic list -g MC_vn_c1_eastus --vmss-name nope-vmss");
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("(ResourceNotFound)");
    expect(r.stderr).toContain("nope-vmss");
  });
});
