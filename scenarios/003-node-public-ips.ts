// Seed 003 (English; 000 is the same article in Japanese): instance-level public IPs for AKS
// nodes, a public IP prefix for them, RoutingPreference tags, allowed host ports and ASGs.
import {
  allowedPortsToAsg,
  assert,
  assertSameIds,
  assertUnique,
  errorCode,
  inCidr,
  lines,
  rows,
  type SecurityRule,
} from "./checks.js";
import type { Scenario, StepResult } from "./runner.js";

interface AgentPool {
  name: string;
  count: number;
  enableNodePublicIp?: boolean;
  nodePublicIpPrefixId?: string;
  mode?: string;
  networkProfile?: {
    allowedHostPorts?: { portStart: number; portEnd: number; protocol: string }[];
    applicationSecurityGroups?: string[];
    nodePublicIpTags?: { ipTagType: string; tag: string }[];
  };
}

interface Cluster {
  name: string;
  provisioningState: string;
  agentPoolProfiles: AgentPool[];
}

const HOST_PORTS = ["Tcp 40000-60000", "Tcp 443", "Tcp 80", "Udp 40000-50000", "Udp 53"];
const HOST_PORTS_WIRE = [
  { portStart: 80, portEnd: 80, protocol: "TCP" },
  { portStart: 443, portEnd: 443, protocol: "TCP" },
  { portStart: 53, portEnd: 53, protocol: "UDP" },
  { portStart: 40000, portEnd: 60000, protocol: "TCP" },
  { portStart: 40000, portEnd: 50000, protocol: "UDP" },
];
const HP_RG = "MC_myResourceGroup2_myHostPortCluster_eastus";

/** Seed 003's echoserver-hostport Deployment, exactly as the seed prints it (test/e2e reads it from here). */
export const ECHOSERVER_HOSTPORT_YAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: echoserver-hostport
  labels:
    app: echoserver-hostport
spec:
  replicas: 3
  selector:
    matchLabels:
      app: echoserver-hostport
  template:
    metadata:
      annotations:
        kubernetes.azure.com/assign-hostports-for-containerports: 8080/tcp,8443/tcp
      labels:
        app: echoserver-hostport
    spec:
      nodeSelector:
        kubernetes.io/os: linux
      containers:
        - name: echoserver-hostport
          image: k8s.gcr.io/echoserver:1.10
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
            - name: https
              containerPort: 8443
              protocol: TCP
`;

interface PodJson {
  metadata: { name: string };
  spec: { nodeName?: string; containers: { ports?: { containerPort: number; hostPort?: number }[] }[] };
  status: { phase?: string };
}

const ROUTING_PREFERENCE_INTERNET = [{ ipTagType: "RoutingPreference", tag: "Internet" }];

const firstPool = (r: StepResult): AgentPool => r.json<Cluster>().agentPoolProfiles[0];

/** The addresses of `vmss list-instance-public-ips` (JSON output). */
const ipAddresses = (r: StepResult): string[] => r.json<{ ipAddress: string }[]>().map((p) => p.ipAddress);

/** A registered feature's state, from `az feature show|register`. */
const featureState = (r: StepResult): string => r.json<{ properties: { state: string } }>().properties.state;

/** The pool's node public IPs carry RoutingPreference=Internet. */
function assertRoutingPreferenceInternet(pool: AgentPool): void {
  assert.deepEqual(pool.networkProfile?.nodePublicIpTags, ROUTING_PREFERENCE_INTERNET);
}

/** The two custom ASGs of the setup step, `$ASG_ID_1` and `$ASG_ID_2`. */
const customAsgs = (r: StepResult): string[] => [r.vars.ASG_ID_1, r.vars.ASG_ID_2];

/** The pool's allowed host ports and custom ASGs, as the cluster or agent pool reads back. */
function assertHostPorts(
  pool: AgentPool,
  ports: NonNullable<AgentPool["networkProfile"]>["allowedHostPorts"],
  asgIds: string[],
): void {
  assert.deepEqual(pool.networkProfile?.allowedHostPorts, ports);
  assertSameIds(pool.networkProfile?.applicationSecurityGroups ?? [], asgIds, "pool ASGs");
}

/** Output of `-o tsv` lines followed by `… -o json`: the lines before the JSON and the parsed JSON. */
function tsvThenJson<T>(r: StepResult): { tsv: string[]; json: T } {
  const out = r.stdout.split("\n");
  const at = out.findIndex((l) => l.startsWith("["));
  return { tsv: out.slice(0, at), json: JSON.parse(out.slice(at).join("\n")) as T };
}

/** Each node of a pool: one public IP, all distinct, as `vmss list-instance-public-ips` lists them. */
function nodeIps(r: StepResult, nodes: number): string[] {
  const ips = lines(r);
  assert.equal(ips.length, nodes, `expected ${nodes} node public IPs, got: ${ips.join(", ")}`);
  assertUnique(ips, "node public IPs");
  return ips;
}

function managedAsgId(r: StepResult, pool: string): string {
  const asgs = r.earlier("managed ASGs in the node resource group").json<{ id: string; name: string }[]>();
  const mine = asgs.filter((a) => a.name.includes(`-${pool}-`));
  assert.equal(mine.length, 1, `one managed ASG for pool ${pool}: ${asgs.map((a) => a.name).join(", ")}`);
  return mine[0].id;
}

interface TraceJson {
  nodes: { node: string; verdict: string; notes: string[]; decidingRule?: { name: string; why: string[] } }[];
}

/** The node rows of `aksnet trace`'s table (cells are separated by two or more spaces). */
function traceRows(r: StepResult) {
  const all = r.stdout.split("\n");
  const header = all.findIndex((l) => l.startsWith("NODE "));
  assert.ok(header >= 0, `no table in:\n${r.stdout}`);
  const body = all.slice(header + 1, all.indexOf("", header));
  return body.map((l) => {
    const [node, pool, publicIp, privateIp, verdict, rule, priority, nsg] = l.split(/ {2,}/);
    return { node, pool, publicIp, privateIp, verdict, rule, priority, nsg };
  });
}

export const scenario: Scenario = {
  name: "003-node-public-ips",
  seed: "003",
  title: "Instance-level public IPs for AKS nodes (seeds 003 / 000)",
  fill: {
    "<subscription-id>": "$SUBSCRIPTION_ID",
    "<location>": "eastus",
    "<resourceGroup>": "myResourceGroup2",
    YourVirtualMachineScaleSetName: "$VMSS_NAME",
    '"<asgId>,<asgId>"': '"$ASG_ID_1,$ASG_ID_2"',
  },
  steps: [
    {
      name: "setup: subscription ID for the <subscription-id> placeholder",
      run: "SUBSCRIPTION_ID=$(az account show --query id -o tsv)",
      check: (r) => assert.match(r.vars.SUBSCRIPTION_ID, /^[0-9a-f-]{36}$/),
    },
    {
      name: "create resource group myResourceGroup2",
      seed: "003",
      run: "az group create --name myResourceGroup2 --location eastus",
      check: (r) =>
        assert.equal(
          r.json<{ properties: { provisioningState: string } }>().properties.provisioningState,
          "Succeeded",
        ),
    },
    {
      name: "aks create --enable-node-public-ip",
      seed: "003",
      run: `az aks create \\
    --resource-group MyResourceGroup2 \\
    --name MyManagedCluster \\
    --location eastus \\
    --enable-node-public-ip \\
    --generate-ssh-keys`,
      check: (r) => {
        const mc = r.json<Cluster>();
        assert.equal(mc.provisioningState, "Succeeded");
        assert.equal(mc.agentPoolProfiles[0].enableNodePublicIp, true);
        assert.equal(mc.agentPoolProfiles[0].count, 3);
      },
    },
    {
      name: "nodepool add nodepool2 --enable-node-public-ip",
      seed: "003",
      run: "az aks nodepool add --resource-group MyResourceGroup2 --cluster-name MyManagedCluster --name nodepool2 --enable-node-public-ip",
      check: (r) => {
        const np = r.json<AgentPool>();
        assert.equal(np.name, "nodepool2");
        assert.equal(np.enableNodePublicIp, true);
      },
    },
    {
      name: "find the first pool's scale set name",
      run: "VMSS_NAME=$(az vmss list -g MC_MyResourceGroup2_MyManagedCluster_eastus --query [0].name -o tsv)",
      check: (r) => assert.match(r.vars.VMSS_NAME, /^aks-nodepool1-\d+-vmss$/),
    },
    {
      name: "vmss list-instance-public-ips: one unique public IP per node",
      seed: "003",
      run: "az vmss list-instance-public-ips --resource-group MC_MyResourceGroup2_MyManagedCluster_eastus --name YourVirtualMachineScaleSetName",
      check: (r) => {
        const ips = ipAddresses(r);
        assert.equal(ips.length, 3, "3 nodes, 3 public IPs");
        assertUnique(ips, "node public IPs");
      },
    },
    {
      name: "the same listing with 000's short flags",
      seed: "000",
      run: "az vmss list-instance-public-ips -g MC_MyResourceGroup2_MyManagedCluster_eastus -n YourVirtualMachineScaleSetName",
      check: (r) =>
        assert.deepEqual(
          ipAddresses(r),
          ipAddresses(r.earlier("vmss list-instance-public-ips: one unique public IP per node")),
        ),
    },
    {
      name: "the second pool's nodes have their own public IPs too",
      run: `az vmss list-instance-public-ips -g MC_MyResourceGroup2_MyManagedCluster_eastus \\
  -n $(az vmss list -g MC_MyResourceGroup2_MyManagedCluster_eastus --query "[?contains(name, 'nodepool2')].name" -o tsv) \\
  --query [].ipAddress -o tsv`,
      check: (r) => {
        const ips = nodeIps(r, 3);
        const first = ipAddresses(r.earlier("vmss list-instance-public-ips: one unique public IP per node"));
        assertUnique([...first, ...ips], "node public IPs across both pools");
      },
    },
    {
      name: "setup: resource group MyResourceGroup3 (the seed uses it without creating it)",
      run: "az group create --name MyResourceGroup3 --location eastus -o none",
    },
    {
      name: "public-ip prefix create --length 28",
      seed: "003",
      run: "az network public-ip prefix create --length 28 --location eastus --name MyPublicIPPrefix --resource-group MyResourceGroup3",
      check: (r) => {
        const p = r.json<{ id: string; prefixLength: number; ipPrefix: string }>();
        assert.equal(
          p.id.toLowerCase(),
          `/subscriptions/${r.vars.SUBSCRIPTION_ID}/resourceGroups/myResourceGroup3/providers/Microsoft.Network/publicIPPrefixes/MyPublicIPPrefix`.toLowerCase(),
        );
        assert.equal(p.prefixLength, 28);
        assert.match(p.ipPrefix, /^\d+\.\d+\.\d+\.\d+\/28$/);
      },
    },
    {
      name: "aks create --node-public-ip-prefix",
      seed: "003",
      run: `az aks create \\
    --resource-group MyResourceGroup3 \\
    --name MyManagedCluster \\
    --location eastus \\
    --enable-node-public-ip \\
    --node-public-ip-prefix /subscriptions/<subscription-id>/resourcegroups/MyResourceGroup3/providers/Microsoft.Network/publicIPPrefixes/MyPublicIPPrefix \\
    --generate-ssh-keys`,
      check: (r) => {
        const prefix = r.earlier("public-ip prefix create --length 28").json<{ id: string }>();
        assert.equal(firstPool(r).nodePublicIpPrefixId?.toLowerCase(), prefix.id.toLowerCase());
      },
    },
    {
      name: "node public IPs lie inside the /28 prefix",
      run: `az vmss list-instance-public-ips -g MC_MyResourceGroup3_MyManagedCluster_eastus \\
  -n $(az vmss list -g MC_MyResourceGroup3_MyManagedCluster_eastus --query [0].name -o tsv) \\
  --query [].ipAddress -o tsv`,
      check: (r) => {
        const cidr = r.earlier("public-ip prefix create --length 28").json<{ ipPrefix: string }>().ipPrefix;
        for (const ip of nodeIps(r, 3)) assert.ok(inCidr(ip, cidr), `${ip} is outside the prefix ${cidr}`);
      },
    },
    {
      name: "a pool larger than what is free in the /28 is refused, nothing half-created",
      run: `az aks nodepool add --resource-group MyResourceGroup3 --cluster-name MyManagedCluster --name nodepool2 \\
  --enable-node-public-ip --node-count 14 \\
  --node-public-ip-prefix /subscriptions/<subscription-id>/resourcegroups/MyResourceGroup3/providers/Microsoft.Network/publicIPPrefixes/MyPublicIPPrefix`,
      expectExit: 1,
      check: (r) => {
        assert.equal(errorCode(r), "PublicIpPrefixOutOfIpAddressesForVMScaleSet");
        assert.match(r.stderr, /13/, "the error says how many addresses are free (16 - 3 = 13)");
      },
    },
    {
      name: "after the refusal the cluster still has one pool",
      run: "az aks nodepool list --resource-group MyResourceGroup3 --cluster-name MyManagedCluster --query [].name -o tsv",
      check: (r) => assert.deepEqual(lines(r), ["nodepool1"]),
    },
    {
      name: "--node-public-ip-tags before NodePublicIPTagsPreview is registered is refused",
      seed: "003",
      fill: { "<clusterName>": "myTagsCluster" },
      run: `az aks create \\
    --name <clusterName> \\
    --location <location> \\
    --resource-group <resourceGroup> \\
    --enable-node-public-ip \\
    --node-public-ip-tags RoutingPreference=Internet \\
    --generate-ssh-keys`,
      expectExit: 1,
      check: (r) => {
        assert.equal(errorCode(r), "PreviewFeatureNotRegistered");
        assert.match(r.stderr, /NodePublicIPTagsPreview/);
      },
    },
    {
      name: "feature register NodePublicIPTagsPreview",
      seed: "000",
      run: 'az feature register --namespace "Microsoft.ContainerService" --name "NodePublicIPTagsPreview"',
      check: (r) => assert.match(featureState(r), /^Regist(ering|ered)$/),
    },
    {
      name: "feature show NodePublicIPTagsPreview: Registered",
      seed: "000",
      run: 'az feature show --namespace "Microsoft.ContainerService" --name "NodePublicIPTagsPreview"',
      check: (r) => assert.equal(featureState(r), "Registered"),
    },
    {
      name: "provider register after NodePublicIPTagsPreview",
      seed: "000",
      run: "az provider register --namespace Microsoft.ContainerService",
    },
    {
      name: "aks create --node-public-ip-tags RoutingPreference=Internet",
      seed: "003",
      fill: { "<clusterName>": "myTagsCluster" },
      run: `az aks create \\
    --name <clusterName> \\
    --location <location> \\
    --resource-group <resourceGroup> \\
    --enable-node-public-ip \\
    --node-public-ip-tags RoutingPreference=Internet \\
    --generate-ssh-keys`,
      check: (r) => assertRoutingPreferenceInternet(firstPool(r)),
    },
    {
      name: "nodepool add --node-public-ip-tags RoutingPreference=Internet",
      seed: "003",
      fill: { "<clusterName>": "myTagsCluster", "<nodepoolName>": "tagpool" },
      run: `az aks nodepool add --cluster-name <clusterName> --name <nodepoolName> --location <location> --resource-group <resourceGroup> \\
  --enable-node-public-ip \\
  --node-public-ip-tags RoutingPreference=Internet`,
      check: (r) => {
        const pool = r.json<AgentPool>();
        assert.equal(pool.enableNodePublicIp, true);
        assertRoutingPreferenceInternet(pool);
      },
    },
    {
      name: "every node public IP of both pools carries RoutingPreference=Internet",
      run: `for vmss in $(az vmss list -g MC_myResourceGroup2_myTagsCluster_eastus --query [].name -o tsv); do
  az vmss list-instance-public-ips -g MC_myResourceGroup2_myTagsCluster_eastus -n $vmss \\
    --query "[].[ipAddress, join(',', ipTags[].join('=', [ipTagType, tag]))]" -o tsv
done`,
      check: (r) => {
        const got = rows(r);
        assert.equal(got.length, 6, `2 pools x 3 nodes: ${r.stdout}`);
        assertUnique(
          got.map((x) => x[0]),
          "node public IPs",
        );
        for (const [ip, tags] of got) assert.equal(tags, "RoutingPreference=Internet", `tags of ${ip}`);
      },
    },
    {
      name: "000's aks create -n -l -g --node-public-ip-tags (SSH key from the first create)",
      seed: "000",
      fill: { "<clusterName>": "myTagsCluster2" },
      run: `az aks create -n <clusterName> -l <location> -g <resourceGroup> \\
  --enable-node-public-ip \\
  --node-public-ip-tags RoutingPreference=Internet`,
      check: (r) => assertRoutingPreferenceInternet(firstPool(r)),
    },
    {
      name: "000's nodepool add -n -l -g --node-public-ip-tags",
      seed: "000",
      fill: { "<clusterName>": "myTagsCluster2", "<nodepoolName>": "tagpool" },
      run: `az aks nodepool add --cluster-name <clusterName> -n <nodepoolName> -l <location> -g <resourceGroup> \\
  --enable-node-public-ip \\
  --node-public-ip-tags RoutingPreference=Internet`,
      check: (r) => {
        const pool = r.json<AgentPool>();
        assert.equal(pool.enableNodePublicIp, true);
        assertRoutingPreferenceInternet(pool);
      },
    },
    {
      name: "setup: two application security groups for the <asgId> placeholders",
      run: `ASG_ID_1=$(az network asg create --resource-group myResourceGroup2 --name myASG1 --query id -o tsv)
ASG_ID_2=$(az network asg create --resource-group myResourceGroup2 --name myASG2 --query id -o tsv)`,
      check: (r) => {
        assert.match(r.vars.ASG_ID_1, /applicationSecurityGroups\/myASG1$/);
        assert.match(r.vars.ASG_ID_2, /applicationSecurityGroups\/myASG2$/);
      },
    },
    {
      name: "aks create --nodepool-allowed-host-ports --nodepool-asg-ids",
      seed: "003",
      fill: { "<clusterName>": "myHostPortCluster", "<nodepoolName>": "hpnodes" },
      run: `az aks create \\
    --resource-group <resourceGroup> \\
    --name <clusterName> \\
    --nodepool-name <nodepoolName> \\
    --nodepool-allowed-host-ports 80/tcp,443/tcp,53/udp,40000-60000/tcp,40000-50000/udp\\
    --nodepool-asg-ids "<asgId>,<asgId>" \\
    --generate-ssh-keys`,
      check: (r) => {
        const pool = firstPool(r);
        assert.equal(pool.name, "hpnodes");
        assertHostPorts(pool, HOST_PORTS_WIRE, customAsgs(r));
      },
    },
    {
      name: "managed ASGs in the node resource group",
      run: `az network asg list -g ${HP_RG}`,
      check: (r) => {
        const names = r.json<{ name: string }[]>().map((a) => a.name);
        assert.equal(
          names.length,
          1,
          `one managed ASG for the pool with allowed host ports: ${names.join(", ")}`,
        );
        assert.match(names[0], /hpnodes/);
      },
    },
    {
      name: "NSG rules allow the host ports to the pool's managed ASG",
      run: `NSG_NAME=$(az network nsg list -g ${HP_RG} --query [0].name -o tsv)
az network nsg rule list -g ${HP_RG} --nsg-name $NSG_NAME`,
      check: (r) => {
        const rules = r.json<SecurityRule[]>();
        assert.deepEqual(allowedPortsToAsg(rules, managedAsgId(r, "hpnodes")), HOST_PORTS);
      },
    },
    {
      name: "the pool's nodes join the managed ASG and both custom ASGs",
      run: `az vmss show -g ${HP_RG} -n $(az vmss list -g ${HP_RG} --query [0].name -o tsv) \\
  --query "virtualMachineProfile.networkProfile.networkInterfaceConfigurations[0].ipConfigurations[0].applicationSecurityGroups[].id" -o tsv`,
      check: (r) =>
        assertSameIds(
          lines(r),
          [managedAsgId(r, "hpnodes"), ...customAsgs(r)],
          "ASGs of the pool's NIC configuration",
        ),
    },
    {
      name: "nodepool add --allowed-host-ports --asg-ids",
      seed: "003",
      // The seed's code block lost its first line ("az aks nodepool add \") in extraction.
      seedText: `  --resource-group <resourceGroup> \\
  --cluster-name <clusterName> \\
  --name <nodepoolName> \\
  --allowed-host-ports 80/tcp,443/tcp,53/udp,40000-60000/tcp,40000-50000/udp \\
  --asg-ids "<asgId>,<asgId>"`,
      fill: { "<clusterName>": "myHostPortCluster", "<nodepoolName>": "hpnodes2" },
      run: `az aks nodepool add \\
  --resource-group <resourceGroup> \\
  --cluster-name <clusterName> \\
  --name <nodepoolName> \\
  --allowed-host-ports 80/tcp,443/tcp,53/udp,40000-60000/tcp,40000-50000/udp \\
  --asg-ids "<asgId>,<asgId>"`,
      check: (r) => assertHostPorts(r.json<AgentPool>(), HOST_PORTS_WIRE, customAsgs(r)),
    },
    {
      name: "nodepool update narrows hpnodes2 to 443/tcp and one ASG",
      run: `az aks nodepool update --resource-group myResourceGroup2 --cluster-name myHostPortCluster --name hpnodes2 \\
  --allowed-host-ports 443/tcp --asg-ids "$ASG_ID_1"`,
      check: (r) =>
        assertHostPorts(
          r.json<AgentPool>(),
          [{ portStart: 443, portEnd: 443, protocol: "TCP" }],
          [r.vars.ASG_ID_1],
        ),
    },
    {
      name: "after narrowing, only 443/tcp is open to hpnodes2's ASG",
      run: `az network asg list -g ${HP_RG} --query "[?contains(name, '-hpnodes2-')].id" -o tsv
az network nsg rule list -g ${HP_RG} --nsg-name $NSG_NAME -o json`,
      check: (r) => {
        const { tsv, json: rules } = tsvThenJson<SecurityRule[]>(r);
        assert.equal(tsv.length, 1, `one managed ASG for hpnodes2: ${tsv.join(", ")}`);
        const [asgId] = tsv;
        assert.match(asgId, /applicationSecurityGroups\/.*hpnodes2/i, "hpnodes2 has a managed ASG");
        assert.deepEqual(allowedPortsToAsg(rules, asgId), ["Tcp 443"]);
        assert.deepEqual(
          allowedPortsToAsg(rules, managedAsgId(r, "hpnodes")),
          HOST_PORTS,
          "hpnodes untouched",
        );
      },
    },
    {
      name: "nodepool update --allowed-host-ports --asg-ids",
      seed: "003",
      // The seed's code block lost its first line ("az aks nodepool update \") in extraction.
      seedText: `  --resource-group <resourceGroup> \\
  --cluster-name <clusterName> \\
  --name <nodepoolName> \\
  --allowed-host-ports 80/tcp,443/tcp,53/udp,40000-60000/tcp,40000-50000/udp \\
  --asg-ids "<asgId>,<asgId>"`,
      fill: { "<clusterName>": "myHostPortCluster", "<nodepoolName>": "hpnodes2" },
      run: `az aks nodepool update \\
  --resource-group <resourceGroup> \\
  --cluster-name <clusterName> \\
  --name <nodepoolName> \\
  --allowed-host-ports 80/tcp,443/tcp,53/udp,40000-60000/tcp,40000-50000/udp \\
  --asg-ids "<asgId>,<asgId>"`,
      check: (r) => assertHostPorts(r.json<AgentPool>(), HOST_PORTS_WIRE, customAsgs(r)),
    },
    {
      name: "after the update, hpnodes2's nodes join both custom ASGs and all five port specs are open",
      run: `HP2_ASG_ID=$(az network asg list -g ${HP_RG} --query "[?contains(name, '-hpnodes2-')].id" -o tsv)
az vmss show -g ${HP_RG} -n $(az vmss list -g ${HP_RG} --query "[?contains(name, 'hpnodes2')].name" -o tsv) \\
  --query "virtualMachineProfile.networkProfile.networkInterfaceConfigurations[0].ipConfigurations[0].applicationSecurityGroups[].id" -o tsv
az network nsg rule list -g ${HP_RG} --nsg-name $NSG_NAME -o json`,
      check: (r) => {
        const asgId = r.vars.HP2_ASG_ID;
        const { tsv, json: rules } = tsvThenJson<SecurityRule[]>(r);
        assertSameIds(tsv, [asgId, ...customAsgs(r)], "ASGs of hpnodes2's NICs");
        assert.deepEqual(allowedPortsToAsg(rules, asgId), HOST_PORTS);
      },
    },
    {
      name: "a malformed host port spec (80/icmp) is refused",
      run: "az aks nodepool update --resource-group myResourceGroup2 --cluster-name myHostPortCluster --name hpnodes2 --allowed-host-ports 80/icmp",
      expectExit: 1,
      check: (r) => assert.match(r.stderr, /80\/icmp/),
    },
    {
      name: "feature register PodHostPortAutoAssignPreview",
      seed: "003",
      run: 'az feature register --namespace "Microsoft.ContainerService" --name "PodHostPortAutoAssignPreview"',
      check: (r) => assert.match(r.json<{ name: string }>().name, /PodHostPortAutoAssignPreview$/),
    },
    {
      name: "feature show PodHostPortAutoAssignPreview: Registered",
      seed: "003",
      run: 'az feature show --namespace "Microsoft.ContainerService" --name "PodHostPortAutoAssignPreview"',
      check: (r) => assert.equal(featureState(r), "Registered"),
    },
    {
      name: "provider register after PodHostPortAutoAssignPreview",
      seed: "003",
      run: "az provider register --namespace Microsoft.ContainerService",
    },
    {
      name: "get credentials for myHostPortCluster (not in the seed: kubectl needs a kubeconfig)",
      run: "az aks get-credentials --resource-group myResourceGroup2 --name myHostPortCluster",
    },
    {
      name: "kubectl apply the seed's echoserver-hostport Deployment (its YAML verbatim)",
      run: `kubectl apply -f - <<'EOF'\n${ECHOSERVER_HOSTPORT_YAML}EOF`,
      check: (r) => assert.equal(r.stdout.trim(), "deployment.apps/echoserver-hostport created"),
    },
    {
      name: "wait until the Deployment is available (not in the seed)",
      run: `for i in $(seq 1 40); do [ "$(kubectl get deploy echoserver-hostport -o jsonpath='{.status.availableReplicas}')" = 3 ] && break; sleep 0.5; done
kubectl get deploy echoserver-hostport --no-headers`,
      check: (r) =>
        assert.deepEqual(r.stdout.trim().split(/\s+/).slice(0, 4), ["echoserver-hostport", "3/3", "3", "3"]),
    },
    {
      name: "the pods: Running, each with two host ports from 40000-59999, unique in the cluster",
      run: "kubectl get pods -l app=echoserver-hostport -o json",
      check: (r) => {
        const pods = r.json<{ items: PodJson[] }>().items;
        assert.equal(pods.length, 3);
        const ports: number[] = [];
        for (const p of pods) {
          assert.equal(p.status.phase, "Running", p.metadata.name);
          const hp = (p.spec.containers[0].ports ?? []).map((x) => x.hostPort ?? 0);
          assert.equal(hp.length, 2, p.metadata.name);
          for (const h of hp) assert.ok(h >= 40000 && h <= 59999, `${h} in 40000-59999`);
          ports.push(...hp);
        }
        assertUnique(ports.map(String), "host ports");
      },
    },
    {
      name: "kubectl describe pod <first echoserver-hostport pod> (the seed names its own pod): Host Ports and the _HOSTPORT variables",
      run: `kubectl describe pod "$(kubectl get pods -l app=echoserver-hostport -o jsonpath='{.items[0].metadata.name}')"`,
      check: (r) => {
        const m = /\n {4}Host Ports: {5}(\d+)\/TCP, (\d+)\/TCP\n/.exec(r.stdout);
        assert.ok(m, `Host Ports line in:\n${r.stdout}`);
        const [, p8080, p8443] = m;
        assert.match(r.stdout, /\n {4}Ports: {10}8080\/TCP, 8443\/TCP\n/);
        assert.ok(
          r.stdout.includes(`      echoserver-hostport_PORT_8080_TCP_HOSTPORT:  ${p8080}\n`),
          r.stdout,
        );
        assert.ok(
          r.stdout.includes(`      echoserver-hostport_PORT_8443_TCP_HOSTPORT:  ${p8443}\n`),
          r.stdout,
        );
        assert.match(r.stdout, /\n {4}State: {10}Running\n/);
        assert.match(r.stdout, /\n {4}Restart Count: {2}0\n/);
      },
    },
    {
      name: "every public IP in the subscription is unique",
      run: "az network public-ip list --query [].ipAddress -o tsv",
      check: (r) => {
        // 3 + 3 (MyResourceGroup2) + 3 (prefix) + 2 x (3 + 3) (tags), plus outbound LB IPs.
        assert.ok(lines(r).length >= 21, `at least 21 node public IPs: ${lines(r).length}`);
        assertUnique(lines(r), "public IPs");
      },
    },
    {
      name: "aksnet trace: a host port from auto-assignment (46645/tcp) on a pool without allowed host ports is denied by the default NSG rules",
      run: "aksnet trace --resource-group MyResourceGroup2 --cluster MyManagedCluster --nodepool nodepool2 --port 46645/tcp",
      check: (r) => {
        const nodes = traceRows(r);
        assert.equal(nodes.length, 3, `3 nodes of nodepool2:\n${r.stdout}`);
        for (const n of nodes) {
          assert.match(n.publicIp, /^\d+\.\d+\.\d+\.\d+$/, `${n.node} has its public IP`);
          assert.deepEqual([n.verdict, n.rule, n.priority], ["Deny", "DenyAllInBound", "65500"], n.node);
        }
      },
    },
    {
      name: "aksnet trace -v: why — no rule before DenyAllInBound admits Internet traffic to nodepool2",
      run: "aksnet trace -g MyResourceGroup2 --cluster MyManagedCluster --nodepool nodepool2 --port 46645/tcp -v",
      check: (r) => {
        assert.match(r.stdout, /Deny by DenyAllInBound \(65500\)/);
        assert.match(r.stdout, /65000 +AllowVnetInBound +source Internet is not VirtualNetwork/);
      },
    },
    {
      name: "aksnet trace: the same host port on hpnodes (allowed 40000-60000/tcp) is allowed by the AKS rule aimed at the pool's ASG",
      run: "aksnet trace -g myResourceGroup2 --cluster myHostPortCluster --nodepool hpnodes --port 46645/tcp -o json",
      check: (r) => {
        const t = r.json<TraceJson>();
        assert.equal(t.nodes.length, 3, "3 nodes of hpnodes");
        const asg = managedAsgId(r, "hpnodes").split("/").pop() as string;
        for (const n of t.nodes) {
          assert.equal(n.verdict, "Allow", n.node);
          assert.equal(n.decidingRule?.name, "aks-hostport-hpnodes-tcp-40000-60000", n.node);
          assert.ok(
            n.decidingRule?.why.includes(`the destination NIC is in ASG ${asg}`),
            n.decidingRule?.why.join("; "),
          );
          // The seed created this cluster without --enable-node-public-ip, and the trace says so.
          assert.ok(
            n.notes.some((x) => /no public IP/.test(x)),
            n.notes.join("; "),
          );
        }
      },
    },
    {
      name: "aksnet trace: a port outside hpnodes' allowed host ports (8080/tcp) is denied by DenyAllInBound",
      run: "aksnet trace -g myResourceGroup2 --cluster myHostPortCluster --nodepool hpnodes --port 8080/tcp",
      check: (r) => {
        const nodes = traceRows(r);
        assert.equal(nodes.length, 3);
        for (const n of nodes) assert.deepEqual([n.verdict, n.rule], ["Deny", "DenyAllInBound"], n.node);
      },
    },
  ],
  pending: [],
};
