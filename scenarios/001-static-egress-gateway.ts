// Seed 001 (Japanese): static egress gateway — preview registration, a cluster with the
// gateway enabled, a gateway node pool whose size is bounded by its public IP prefix, scaling
// within that bound, deleting the pool, and disabling the gateway once no pool is left.
import { assert, errorCode, lines } from "./checks.js";
import type { Scenario } from "./runner.js";

interface AgentPool {
  name: string;
  mode: string;
  count: number;
  gatewayProfile?: { publicIpPrefixSize?: number };
}

interface Cluster {
  provisioningState: string;
  networkProfile: { staticEgressGatewayProfile?: { enabled?: boolean } };
}

const NODE_RG = "MC_myResourceGroup_myAKSCluster_eastus";

// The seed's nodepool add, scale, delete and update lines, each used with several values.
const NODEPOOL_ADD = `az aks nodepool add --cluster-name <cluster-name> \\
--name <nodepool-name> \\
--resource-group <resource-group> \\
--mode gateway \\
--node-count <number-of-nodes> \\
--gateway-prefix-size <prefix-size>`;
const NODEPOOL_SCALE =
  "az aks nodepool scale --cluster-name <cluster-name> -n <nodepool-name> --node-count <desired-node-count>";
const DISABLE = "az aks update -n <cluster-name> -g <resource-group> --disable-static-egress-gateway";

export const scenario: Scenario = {
  name: "001-static-egress-gateway",
  seed: "001",
  title: "Static egress gateway node pools (seed 001)",
  fill: {
    "<cluster-name>": "myAKSCluster",
    "<resource-group>": "myResourceGroup",
    "<nodepool-name>": "gwpool",
  },
  steps: [
    {
      name: "setup: resource group (the seed assumes one)",
      run: "az group create --name myResourceGroup --location eastus -o none",
    },
    {
      name: "extension add aks-preview",
      seed: "001",
      run: "az extension add --name aks-preview",
    },
    {
      name: "extension update aks-preview",
      seed: "001",
      run: "az extension update --name aks-preview",
    },
    {
      name: "--enable-static-egress-gateway before StaticEgressGatewayPreview is registered is refused",
      seed: "001",
      run: "az aks create -n <cluster-name> -g <resource-group> --enable-static-egress-gateway",
      expectExit: 1,
      check: (r) => {
        assert.equal(errorCode(r), "PreviewFeatureNotRegistered");
        assert.match(r.stderr, /StaticEgressGatewayPreview/);
      },
    },
    {
      name: "feature register StaticEgressGatewayPreview",
      seed: "001",
      run: 'az feature register --namespace "Microsoft.ContainerService" --name "StaticEgressGatewayPreview"',
      check: (r) => {
        const f = r.json<{ name: string; properties: { state: string } }>();
        assert.equal(f.name, "Microsoft.ContainerService/StaticEgressGatewayPreview");
        assert.match(f.properties.state, /^Regist(ering|ered)$/);
      },
    },
    {
      name: "feature show StaticEgressGatewayPreview: Registered",
      seed: "001",
      run: 'az feature show --namespace "Microsoft.ContainerService" --name "StaticEgressGatewayPreview"',
      check: (r) => assert.equal(r.json<{ properties: { state: string } }>().properties.state, "Registered"),
    },
    {
      name: "provider register Microsoft.ContainerService",
      seed: "001",
      run: "az provider register --namespace Microsoft.ContainerService",
    },
    {
      name: "aks create --enable-static-egress-gateway",
      seed: "001",
      run: "az aks create -n <cluster-name> -g <resource-group> --enable-static-egress-gateway",
      check: (r) => {
        const mc = r.json<Cluster>();
        assert.equal(mc.provisioningState, "Succeeded");
        assert.deepEqual(mc.networkProfile.staticEgressGatewayProfile, { enabled: true });
      },
    },
    {
      name: "gateway prefix size outside 28-31 is an invalid choice",
      seed: "001",
      fill: { "<number-of-nodes>": "2", "<prefix-size>": "27" },
      run: NODEPOOL_ADD,
      expectExit: 2,
      check: (r) => assert.match(r.stderr, /argument --gateway-prefix-size: invalid choice: '27'/),
    },
    {
      name: "a /30 gateway pool of 5 nodes is refused (a /30 holds 4)",
      seed: "001",
      fill: { "<number-of-nodes>": "5", "<prefix-size>": "30" },
      run: NODEPOOL_ADD,
      expectExit: 1,
      check: (r) => {
        assert.equal(errorCode(r), "GatewayNodeCountExceedsPrefixCapacity");
        assert.match(r.stderr, /\/30/);
        assert.match(r.stderr, /\b4\b/);
      },
    },
    {
      name: "after the refusal there is no gateway pool",
      run: "az aks nodepool list --cluster-name myAKSCluster --query [].name -o tsv",
      check: (r) => assert.deepEqual(lines(r), ["nodepool1"]),
    },
    {
      name: "a /30 gateway pool of 4 nodes",
      seed: "001",
      fill: { "<number-of-nodes>": "4", "<prefix-size>": "30" },
      run: NODEPOOL_ADD,
      check: (r) => {
        const np = r.json<AgentPool>();
        assert.equal(np.name, "gwpool");
        assert.equal(np.mode, "Gateway");
        assert.equal(np.count, 4);
        assert.equal(np.gatewayProfile?.publicIpPrefixSize, 30);
      },
    },
    {
      name: "the gateway pool has its own /30 public IP prefix in the node resource group",
      run: `az network public-ip prefix list -g ${NODE_RG} --query "[].prefixLength" -o tsv`,
      check: (r) => assert.deepEqual(lines(r), ["30"]),
    },
    {
      name: "--disable-static-egress-gateway is refused while a gateway pool exists",
      seed: "001",
      run: DISABLE,
      expectExit: 1,
      check: (r) => {
        assert.equal(errorCode(r), "StaticEgressGatewayInUse");
        assert.match(r.stderr, /gwpool/);
      },
    },
    {
      name: "nodepool scale to 2, within the /30",
      seed: "001",
      fill: { "<desired-node-count>": "2" },
      run: NODEPOOL_SCALE,
      check: (r) => assert.equal(r.json<AgentPool>().count, 2),
    },
    {
      name: "nodepool scale to 5, beyond the /30, is refused",
      seed: "001",
      fill: { "<desired-node-count>": "5" },
      run: NODEPOOL_SCALE,
      expectExit: 1,
      check: (r) => assert.equal(errorCode(r), "GatewayNodeCountExceedsPrefixCapacity"),
    },
    {
      name: "the refused scale left the pool at 2 nodes",
      run: "az aks nodepool show --cluster-name myAKSCluster -n gwpool --query count -o tsv",
      check: (r) => assert.equal(r.stdout.trim(), "2"),
    },
    {
      name: "nodepool scale to 4, the /30's capacity",
      seed: "001",
      fill: { "<desired-node-count>": "4" },
      run: NODEPOOL_SCALE,
      check: (r) => assert.equal(r.json<AgentPool>().count, 4),
    },
    {
      name: "nodepool delete the gateway pool",
      seed: "001",
      run: "az aks nodepool delete --cluster-name <cluster-name> -n <nodepool-name>",
    },
    {
      name: "the gateway pool is gone and its prefix released",
      run: `az aks nodepool list --cluster-name myAKSCluster --query [].name -o tsv
az network public-ip prefix list -g ${NODE_RG} --query "length(@)"`,
      check: (r) => assert.deepEqual(lines(r), ["nodepool1", "0"]),
    },
    {
      name: "--disable-static-egress-gateway once no gateway pool is left",
      seed: "001",
      run: DISABLE,
      check: (r) =>
        assert.deepEqual(r.json<Cluster>().networkProfile.staticEgressGatewayProfile, { enabled: false }),
    },
  ],
  pending: [
    "Gateway nodes carry the gateway taint so general workloads do not land there (kubectl describe node) — needs the Kubernetes API (later issue).",
    "kubectl apply a StaticGatewayConfiguration (egressgateway.kubernetes.azure.com/v1alpha1, gatewayNodepoolName, excludeCidrs, " +
      "publicIpPrefixId) and kubectl describe it: egress IP prefix and WireGuard details in its status — needs the Kubernetes API (later issue).",
    "A Deployment annotated kubernetes.azure.com/static-gateway-configuration: <name> egresses from the gateway prefix, " +
      "except to excludeCidrs — needs the Kubernetes API (later issue).",
  ],
};
