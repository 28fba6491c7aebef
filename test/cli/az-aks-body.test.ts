import { describe, expect, it } from "vitest";
import {
  buildAgentPoolProperties,
  buildManagedCluster,
  defaultDnsPrefix,
  parseAllowedHostPorts,
  parseAsgIds,
  parseNodePublicIpTags,
  validatePool,
} from "../../src/cli/az/commands/aks-body.js";
import { CliError } from "../../src/cli/az/io.js";

const SUB = "00000000-0000-0000-0000-000000000000";
const KEY = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0";

describe("defaultDnsPrefix (azure-cli _get_default_dns_prefix)", () => {
  it("is <name[:10]>-<rg[:16]>-<sub[:6]> with non-alphanumerics removed", () => {
    expect(defaultDnsPrefix("c1", "rg1", SUB)).toBe("c1-rg1-000000");
    expect(defaultDnsPrefix("MyManagedCluster", "MyResourceGroup2", "abcdef12-0000")).toBe(
      "MyManagedC-MyResourceGroup2-abcdef",
    );
    expect(defaultDnsPrefix("1cluster", "my_rg.x", SUB)).toBe("a1cluster-myrgx-000000");
  });
});

describe("aks create body", () => {
  it("matches what az 2.45 sends for `aks create -g rg1 -n c1 --network-plugin kubenet --enable-node-public-ip --generate-ssh-keys`", () => {
    const body = buildManagedCluster({
      name: "c1",
      resourceGroup: "rg1",
      subscriptionId: SUB,
      location: "eastus",
      sshKey: KEY,
      pool: { enableNodePublicIp: true },
      network: { networkPlugin: "kubenet" },
    });
    // clients.md Part B, az 2.45 capture.
    expect(body).toMatchObject({
      location: "eastus",
      identity: { type: "SystemAssigned" },
      properties: {
        kubernetesVersion: "",
        dnsPrefix: "c1-rg1-000000",
        agentPoolProfiles: [
          {
            name: "nodepool1",
            count: 3,
            vmSize: "Standard_DS2_v2",
            osType: "Linux",
            type: "VirtualMachineScaleSets",
            mode: "System",
            enableNodePublicIP: true,
          },
        ],
        linuxProfile: { adminUsername: "azureuser", ssh: { publicKeys: [{ keyData: KEY }] } },
        enableRBAC: true,
        networkProfile: {
          networkPlugin: "kubenet",
          outboundType: "loadBalancer",
          loadBalancerSku: "standard",
        },
      },
    });
  });

  it("carries the kubenet BYO-subnet settings, the user-assigned identity and the node IP prefix (seed 002 / clients.md)", () => {
    const subnet = `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v/subnets/s`;
    const uami = `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1`;
    const prefix = `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.Network/publicIPPrefixes/p`;
    const body = buildManagedCluster({
      name: "c2",
      resourceGroup: "rg1",
      subscriptionId: SUB,
      location: "eastus",
      sshKey: KEY,
      assignIdentity: uami,
      pool: { vnetSubnetId: subnet, enableNodePublicIp: true, nodePublicIpPrefixId: prefix },
      network: {
        networkPlugin: "kubenet",
        podCidr: "10.244.0.0/16",
        serviceCidr: "10.0.0.0/16",
        dnsServiceIp: "10.0.0.10",
      },
    });
    expect(body.identity).toEqual({ type: "UserAssigned", userAssignedIdentities: { [uami]: {} } });
    const props = body.properties as Record<string, unknown>;
    expect((props.agentPoolProfiles as unknown[])[0]).toMatchObject({
      vnetSubnetID: subnet,
      nodePublicIPPrefixID: prefix,
    });
    expect(props.networkProfile).toEqual({
      networkPlugin: "kubenet",
      podCidr: "10.244.0.0/16",
      serviceCidr: "10.0.0.0/16",
      dnsServiceIP: "10.0.0.10",
      outboundType: "loadBalancer",
      loadBalancerSku: "standard",
    });
  });

  it("puts the preview pool settings where the 2026-06-01 API has them", () => {
    const asg = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/a1`;
    const body = buildManagedCluster({
      name: "c",
      resourceGroup: "rg",
      subscriptionId: SUB,
      location: "eastus",
      pool: {
        name: "np1",
        enableNodePublicIp: true,
        nodePublicIpTags: parseNodePublicIpTags(["RoutingPreference=Internet"], "--node-public-ip-tags"),
        allowedHostPorts: parseAllowedHostPorts(
          "80/tcp,443/tcp,53/udp,40000-60000/tcp,40000-50000/udp",
          "--x",
        ),
        asgIds: parseAsgIds(`${asg},${asg}`, "--nodepool-asg-ids"),
      },
      network: { enableStaticEgressGateway: true },
    });
    const props = body.properties as Record<string, unknown>;
    expect((props.agentPoolProfiles as unknown[])[0]).toMatchObject({
      name: "np1",
      networkProfile: {
        nodePublicIPTags: [{ ipTagType: "RoutingPreference", tag: "Internet" }],
        allowedHostPorts: [
          { portStart: 80, portEnd: 80, protocol: "TCP" },
          { portStart: 443, portEnd: 443, protocol: "TCP" },
          { portStart: 53, portEnd: 53, protocol: "UDP" },
          { portStart: 40000, portEnd: 60000, protocol: "TCP" },
          { portStart: 40000, portEnd: 50000, protocol: "UDP" },
        ],
        applicationSecurityGroups: [asg, asg],
      },
    });
    expect(props.networkProfile).toMatchObject({ staticEgressGatewayProfile: { enabled: true } });
    expect(body).not.toHaveProperty("properties.linuxProfile");
  });

  it("builds a gateway pool for `nodepool add --mode gateway --gateway-prefix-size 30`", () => {
    const p = { mode: "Gateway", count: 2, gatewayPrefixSize: 30 };
    validatePool(p);
    expect(buildAgentPoolProperties(p, { mode: "User" })).toEqual({
      count: 2,
      vmSize: "Standard_DS2_v2",
      osType: "Linux",
      type: "VirtualMachineScaleSets",
      mode: "Gateway",
      orchestratorVersion: "",
      enableNodePublicIP: false,
      enableAutoScaling: false,
      gatewayProfile: { publicIPPrefixSize: 30 },
    });
    expect(() => validatePool({ mode: "User", gatewayPrefixSize: 30 })).toThrow(/Gateway-mode/);
  });

  it("refuses a node count outside the autoscaler's range (__validate_counts_in_autoscaler)", () => {
    const auto = { mode: "User", enableClusterAutoscaler: true, minCount: 1, maxCount: 3 };
    for (const count of [0, 4])
      expect(() => validatePool({ ...auto, count })).toThrow(
        new CliError("node-count is not in the range of min-count and max-count"),
      );
    expect(() => validatePool({ ...auto, count: 3 })).not.toThrow();
  });
});

describe("client-side format checks", () => {
  it.each([
    ["80", "expected <port>/<protocol>"],
    ["80/icmp", "protocol must be tcp or udp"],
    ["70000/tcp", "between 1 and 65535"],
    ["0/tcp", "between 1 and 65535"],
    ["90-80/tcp", "start port must not be greater"],
    ["80/tcp,,443/tcp", "'' is not valid"],
  ])("rejects allowed host ports %s, naming the entry", (spec, why) => {
    let err: unknown;
    try {
      parseAllowedHostPorts(spec, "--allowed-host-ports");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliError);
    const msg = (err as Error).message;
    expect(msg).toContain("--allowed-host-ports must be a comma-separated list of port ranges");
    expect(msg).toContain(why);
    if (spec !== "80/tcp,,443/tcp")
      expect(msg).toContain(`'${spec.split(",").find((s) => !/^\d+\/tcp$/.test(s)) ?? spec}'`);
  });

  it("clears host ports and ASGs with an empty string", () => {
    expect(parseAllowedHostPorts("", "--allowed-host-ports")).toEqual([]);
    expect(parseAsgIds("", "--asg-ids")).toEqual([]);
  });

  it("rejects ASG ids that are not application security group ids", () => {
    expect(() => parseAsgIds("myAsg", "--asg-ids")).toThrow(/'myAsg' is not valid/);
  });

  it("rejects malformed IP tags", () => {
    expect(() => parseNodePublicIpTags(["RoutingPreference"], "--node-public-ip-tags")).toThrow(
      /RoutingPreference/,
    );
  });
});
