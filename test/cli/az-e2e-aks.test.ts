// The seeds' AKS command lines through `aksnet az` against a real emulator.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { useEmulatorAz } from "./emulator-az.js";

const t = useEmulatorAz();
const { az, ok } = t;

describe("seed 003: node public IPs", () => {
  it("aks create / nodepool add --enable-node-public-ip, get-credentials", async () => {
    await ok("az group create --name myResourceGroup2 --location eastus");
    const c = await ok(
      "az aks create --resource-group MyResourceGroup2 --name MyManagedCluster --location eastus --enable-node-public-ip --generate-ssh-keys",
    );
    const mc = JSON.parse(c.stdout);
    expect(mc).toMatchObject({
      name: "MyManagedCluster",
      provisioningState: "Succeeded",
      resourceGroup: "MyResourceGroup2",
    });
    expect(mc.agentPoolProfiles[0]).toMatchObject({
      name: "nodepool1",
      enableNodePublicIp: true,
      mode: "System",
    });
    expect(fs.existsSync(path.join(t.home, ".ssh", "id_rsa.pub"))).toBe(true);
    const np = await ok(
      "az aks nodepool add --resource-group MyResourceGroup2 --cluster-name MyManagedCluster --name nodepool2 --enable-node-public-ip",
    );
    expect(JSON.parse(np.stdout)).toMatchObject({
      name: "nodepool2",
      enableNodePublicIp: true,
      mode: "User",
      count: 3,
    });
    const names = (
      await ok(
        "az aks nodepool list -g MyResourceGroup2 --cluster-name MyManagedCluster --query [].name -o tsv",
      )
    ).stdout;
    expect(names).toBe("nodepool1\nnodepool2\n");
    const vmss = (
      await ok("az vmss list -g MC_MyResourceGroup2_MyManagedCluster_eastus --query [].name -o tsv")
    ).stdout
      .trim()
      .split("\n");
    expect(vmss).toHaveLength(2);
    const ips = await az(
      `az vmss list-instance-public-ips --resource-group MC_MyResourceGroup2_MyManagedCluster_eastus --name ${vmss[0]} --query [].ipAddress -o tsv`,
    );
    expect(ips.code).toBe(0);
    const addrs = ips.stdout.trim().split("\n");
    expect(addrs).toHaveLength(3);
    expect(new Set(addrs).size).toBe(3);
    await ok("az aks get-credentials --resource-group MyResourceGroup2 --name MyManagedCluster");
    const kube = parseYaml(fs.readFileSync(path.join(t.home, ".kube", "config"), "utf8"));
    expect(kube["current-context"]).toBe("MyManagedCluster");
  });

  it("public IP prefix for node IPs; allowed host ports and public IP tags", async () => {
    await ok("az group create -n MyResourceGroup3 -l eastus");
    const prefixId = JSON.parse(
      (
        await ok(
          "az network public-ip prefix create --length 28 --location eastus --name MyPublicIPPrefix --resource-group MyResourceGroup3",
        )
      ).stdout,
    ).id;
    const mc = JSON.parse(
      (
        await ok(
          `az aks create --resource-group MyResourceGroup3 --name MyManagedCluster --location eastus --enable-node-public-ip --node-public-ip-prefix ${prefixId} --generate-ssh-keys`,
        )
      ).stdout,
    );
    expect(mc.agentPoolProfiles[0].nodePublicIpPrefixId.toLowerCase()).toBe(prefixId.toLowerCase());
    const hp = JSON.parse(
      (
        await ok(
          "az aks create -g MyResourceGroup3 -n hp --nodepool-name np1 --nodepool-allowed-host-ports 80/tcp,443/tcp,53/udp,40000-60000/tcp,40000-50000/udp --generate-ssh-keys",
        )
      ).stdout,
    );
    expect(hp.agentPoolProfiles[0].networkProfile.allowedHostPorts).toHaveLength(5);
    const bad = await az(
      "az aks nodepool update -g MyResourceGroup3 --cluster-name hp -n np1 --allowed-host-ports 80/icmp",
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/'80\/icmp'/);
    const upd = JSON.parse(
      (
        await ok(
          "az aks nodepool update -g MyResourceGroup3 --cluster-name hp -n np1 --allowed-host-ports 80/tcp",
        )
      ).stdout,
    );
    expect(upd.networkProfile.allowedHostPorts).toEqual([{ portStart: 80, portEnd: 80, protocol: "TCP" }]);
  });
});

describe("seed 002: kubenet with your own subnet", () => {
  it("vnet, identity, role assignment, aks create --assign-identity", async () => {
    await ok("az group create --name myResourceGroup --location eastus");
    await ok(
      "az network vnet create --resource-group myResourceGroup --name myAKSVnet --address-prefixes 192.168.0.0/16 --subnet-name myAKSSubnet --subnet-prefix 192.168.1.0/24 --location eastus",
    );
    const subnetId = (
      await ok(
        "az network vnet subnet show --resource-group myResourceGroup --vnet-name myAKSVnet --name myAKSSubnet --query id -o tsv",
      )
    ).stdout.trim();
    const vnetId = (
      await ok("az network vnet show --resource-group myResourceGroup --name myAKSVnet --query id -o tsv")
    ).stdout.trim();
    const ident = JSON.parse(
      (await ok("az identity create --name myIdentity --resource-group myResourceGroup")).stdout,
    );
    expect(ident).toMatchObject({
      name: "myIdentity",
      clientId: expect.any(String),
      principalId: expect.any(String),
      tenantId: t.emu.tenantId,
    });
    const ra = JSON.parse(
      (
        await ok(
          `az role assignment create --assignee ${ident.principalId} --scope ${vnetId} --role "Network Contributor"`,
        )
      ).stdout,
    );
    expect(ra).toMatchObject({
      principalId: ident.principalId,
      scope: vnetId,
      roleDefinitionId: expect.stringMatching(/4d97b98b-1d4f-4787-a291-c67834d212e7$/),
    });
    const mc = JSON.parse(
      (
        await ok(
          `az aks create --resource-group myResourceGroup --name myAKSCluster --node-count 3 --network-plugin kubenet --vnet-subnet-id ${subnetId} --assign-identity ${ident.id} --generate-ssh-keys`,
        )
      ).stdout,
    );
    expect(mc.identity.type).toBe("UserAssigned");
    expect(mc.networkProfile).toMatchObject({
      networkPlugin: "kubenet",
      podCidr: "10.244.0.0/16",
      serviceCidr: "10.0.0.0/16",
      dnsServiceIp: "10.0.0.10",
    });
    const list = await ok(`az role assignment list --scope ${vnetId} --query [].roleDefinitionName -o tsv`);
    expect(list.stdout).toBe("Network Contributor\n");
  });
});

describe("the BYO-subnet grant is the client's", () => {
  it("aks create (system-assigned) grants Network Contributor on the subnet after the PUT", async () => {
    await ok("az group create --name grantRG --location eastus");
    await ok(
      "az network vnet create -g grantRG -n v --address-prefixes 10.20.0.0/16 --subnet-name s --subnet-prefix 10.20.1.0/24",
    );
    const subnetId = (
      await ok("az network vnet subnet show -g grantRG --vnet-name v -n s --query id -o tsv")
    ).stdout.trim();
    const mc = JSON.parse(
      (
        await ok(
          `az aks create -g grantRG -n sys --network-plugin kubenet --vnet-subnet-id ${subnetId} --generate-ssh-keys`,
        )
      ).stdout,
    );
    expect(mc.identity.type).toBe("SystemAssigned");
    const grants = JSON.parse(
      (await ok(`az role assignment list --scope ${subnetId} --query "[].[principalId,roleDefinitionName]"`))
        .stdout,
    );
    expect(grants).toEqual([[mc.identity.principalId, "Network Contributor"]]);
    // --skip-subnet-role-assignment: nobody grants anything.
    await ok("az network vnet subnet create -g grantRG --vnet-name v -n s2 --address-prefixes 10.20.2.0/24");
    const s2 = `${subnetId.slice(0, -2)}/s2`;
    await ok(
      `az aks create -g grantRG -n sys2 --network-plugin kubenet --vnet-subnet-id ${s2} --skip-subnet-role-assignment --generate-ssh-keys`,
    );
    expect((await ok(`az role assignment list --scope ${s2} -o tsv`)).stdout).toBe("");
  });
});

describe("seed 001: static egress gateway", () => {
  it("feature, cluster with the gateway enabled, gateway pool, scale, delete, disable", async () => {
    await ok("az extension add --name aks-preview");
    await ok("az feature register --namespace Microsoft.ContainerService --name StaticEgressGatewayPreview");
    await ok("az provider register --namespace Microsoft.ContainerService");
    await ok("az group create -n segRG -l eastus");
    await ok("az configure --defaults group=segRG");
    const mc = JSON.parse(
      (await ok("az aks create -n segc -g segRG --enable-static-egress-gateway --generate-ssh-keys")).stdout,
    );
    expect(mc.name).toBe("segc");
    const gw = JSON.parse(
      (
        await ok(
          "az aks nodepool add --cluster-name segc --name gw --resource-group segRG --mode gateway --node-count 2 --gateway-prefix-size 30",
        )
      ).stdout,
    );
    expect(gw).toMatchObject({ mode: "Gateway", count: 2, gatewayProfile: { publicIpPrefixSize: 30 } });
    expect(
      (await ok("az aks nodepool scale --cluster-name segc -n gw --node-count 4 --query count")).stdout,
    ).toBe("4\n");
    await ok("az aks nodepool delete --cluster-name segc -n gw");
    await ok("az aks update -n segc -g segRG --disable-static-egress-gateway");
    await ok("az configure --defaults group=");
  });
});
