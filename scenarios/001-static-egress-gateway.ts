// Seed 001 (Japanese): static egress gateway — preview registration, a cluster with the
// gateway enabled, a gateway node pool whose size is bounded by its public IP prefix, scaling
// within that bound, deleting the pool, and disabling the gateway once no pool is left.
import { assert, errorCode, inCidr, lines } from "./checks.js";
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

// The seed's YAML, verbatim (its extraction lost the indentation; YAML needs it back).
export const SGC_YAML = `apiVersion: egressgateway.kubernetes.azure.com/v1alpha1
kind: StaticGatewayConfiguration
metadata:
  name: <gateway-config-name>
  namespace: <namespace>
spec:
  gatewayNodepoolName: <nodepool-name>
  excludeCidrs: # Optional
  - 10.0.0.0/8
  - 172.16.0.0/12
  - 169.254.169.254/32
  publicIpPrefixId: /subscriptions/<subscription-id>/resourceGroups/<resource-group>/providers/Microsoft.Network/publicIPPrefixes/<prefix-name> # Optional
`;
/** The seed's tip: without publicIpPrefixId the prefix is made automatically. */
const SGC_YAML_AUTO = SGC_YAML.split("\n")
  .filter((l) => !l.includes("publicIpPrefixId"))
  .join("\n");
// The seed's Deployment fragment, verbatim, then what a Deployment needs besides (not in the seed).
export const DEPLOYMENT_YAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: <deployment-name>
  namespace: <namespace>
spec:
  template:
    metadata:
      annotations:
        kubernetes.azure.com/static-gateway-configuration: <gateway-config-name>
`;
const DEPLOYMENT_REST = `      labels: {app: egress-app}
    spec:
      containers: [{name: app, image: nginx}]
  replicas: 2
  selector: {matchLabels: {app: egress-app}}
`;

/** Polls a kubectl jsonpath until it prints something (not in the seed: the controller works in the background). */
const waitFor = (cmd: string) =>
  `end=$((SECONDS+24)); while :; do out="$(${cmd})"; [ -n "$out" ] || [ $SECONDS -ge $end ] && break; sleep 0.5; done; echo "$out"`;

/** The configurations' node public IPs in the node resource group, once there are `n` (not in the seed). */
const egressIpCount = (n: number) =>
  `end=$((SECONDS+22)); while :; do c="$(az network public-ip list -g ${NODE_RG} --query "length([?starts_with(name, 'egressgateway-')])")"; [ "$c" = ${n} ] || [ $SECONDS -ge $end ] && break; sleep 0.5; done; echo "$c"`;

interface PodTrace {
  verdict: string;
  egressIp?: string;
  hops: { what: string; source?: string }[];
  notes: string[];
}

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
      check: (r) => assert.match(r.stderr, /'27' is not a valid value for '--gateway-prefix-size'/),
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
      name: "get credentials (not in the seed: kubectl needs a kubeconfig)",
      run: "az aks get-credentials --resource-group myResourceGroup --name myAKSCluster",
    },
    {
      name: "kubectl describe the gateway nodes (not in the seed): the gateway taint keeps general workloads off",
      run: "kubectl describe nodes -l kubernetes.azure.com/agentpool=gwpool",
      check: (r) => {
        const taints =
          r.stdout.match(/\nTaints: +kubeegressgateway\.azure\.com\/mode=true:NoSchedule\n/g) ?? [];
        assert.equal(taints.length, 4, r.stdout);
      },
    },
    {
      name: "kubectl apply the seed's StaticGatewayConfiguration without publicIpPrefixId (the seed's tip)",
      fill: { "<gateway-config-name>": "my-gateway", "<namespace>": "default" },
      run: `kubectl apply -f - <<'EOF'\n${SGC_YAML_AUTO}EOF`,
      check: (r) =>
        assert.equal(
          r.stdout.trim(),
          "staticgatewayconfiguration.egressgateway.kubernetes.azure.com/my-gateway created",
        ),
    },
    {
      name: "wait for its status (not in the seed)",
      run: waitFor(
        "kubectl get staticgatewayconfiguration my-gateway -o jsonpath='{.status.egressIpPrefix}'",
      ),
      check: (r) => assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+\.\d+\/30$/),
    },
    {
      name: "kubectl describe StaticGatewayConfiguration: the egress IP prefix (made automatically) and the WireGuard server",
      seed: "001",
      fill: { "<gateway-config-name>": "my-gateway", "<namespace>": "default" },
      run: "kubectl describe StaticGatewayConfiguration <gateway-config-name> -n <namespace>",
      check: (r) => {
        const prefix = r.earlier("wait for its status (not in the seed)").stdout.trim();
        assert.ok(r.stdout.includes(`Egress Ip Prefix:  ${prefix}\n`), r.stdout);
        assert.match(r.stdout, /Gateway Server Profile:\n/);
        assert.match(r.stdout, /\n +Port: +6000\n/);
        assert.match(r.stdout, /\n +Public Key: +[A-Za-z0-9+/]{43}=\n/);
        assert.match(
          r.stdout,
          /Normal +Reconciled .*StaticGatewayConfiguration provisioned with egress prefix/,
        );
      },
    },
    {
      name: "the automatic prefix is a /30 in the node resource group (not in the seed)",
      run: `az network public-ip prefix list -g ${NODE_RG} --query "[?starts_with(name, 'egressgateway-')].ipPrefix" -o tsv`,
      check: (r) =>
        assert.deepEqual(lines(r), [r.earlier("wait for its status (not in the seed)").stdout.trim()]),
    },
    {
      name: "setup for publicIpPrefixId (not in the seed): a /30 prefix of your own",
      run: `SUBSCRIPTION_ID=$(az account show --query id -o tsv)
az network public-ip prefix create -g myResourceGroup -n myGatewayPrefix --length 30 --query ipPrefix -o tsv`,
      check: (r) => assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+\.\d+\/30$/),
    },
    {
      name: "kubectl apply the seed's StaticGatewayConfiguration with publicIpPrefixId, before the cluster identity has Network Contributor on it",
      fill: {
        "<gateway-config-name>": "byo-gateway",
        "<namespace>": "default",
        "<subscription-id>": "$SUBSCRIPTION_ID",
        "<prefix-name>": "myGatewayPrefix",
      },
      run: `kubectl apply -f - <<EOF\n${SGC_YAML}EOF`,
      check: (r) =>
        assert.equal(
          r.stdout.trim(),
          "staticgatewayconfiguration.egressgateway.kubernetes.azure.com/byo-gateway created",
        ),
    },
    {
      name: "without the role it does not reconcile and says why in a ReconcileError event",
      run: waitFor(
        "kubectl get events --field-selector involvedObject.name=byo-gateway,reason=ReconcileError -o jsonpath='{.items[*].message}'",
      ),
      check: (r) =>
        assert.match(
          r.stdout,
          /does not have authorization to perform action 'Microsoft\.Network\/publicIPPrefixes\/join\/action' over scope '\/subscriptions\/[0-9a-f-]+\/resourceGroups\/myResourceGroup\/providers\/Microsoft\.Network\/publicIPPrefixes\/myGatewayPrefix'/,
        ),
    },
    {
      name: "grant the cluster identity Network Contributor on the prefix (the seed says to)",
      run: `az role assignment create --assignee "$(az aks show -g myResourceGroup -n myAKSCluster --query identity.principalId -o tsv)" --role "Network Contributor" --scope "$(az network public-ip prefix show -g myResourceGroup -n myGatewayPrefix --query id -o tsv)" --query roleDefinitionName -o tsv`,
    },
    {
      name: "then its status names your prefix (the controller retries)",
      run: waitFor(
        "kubectl get staticgatewayconfiguration byo-gateway -o jsonpath='{.status.egressIpPrefix}'",
      ),
      check: (r) =>
        assert.equal(
          r.stdout.trim(),
          r.earlier("setup for publicIpPrefixId (not in the seed): a /30 prefix of your own").stdout.trim(),
        ),
    },
    {
      name: "kubectl apply the seed's annotated Deployment (its fragment verbatim, completed with selector and containers)",
      fill: {
        "<deployment-name>": "egress-app",
        "<namespace>": "default",
        "<gateway-config-name>": "my-gateway",
      },
      run: `kubectl apply -f - <<'EOF'\n${DEPLOYMENT_YAML}${DEPLOYMENT_REST}EOF`,
      check: (r) => assert.equal(r.stdout.trim(), "deployment.apps/egress-app created"),
    },
    {
      name: "its pods run (not in the seed)",
      run: `end=$((SECONDS+22)); while :; do [ "$(kubectl get deploy egress-app -o jsonpath='{.status.availableReplicas}')" = 2 ] || [ $SECONDS -ge $end ] && break; sleep 0.5; done
kubectl get deploy egress-app --no-headers
POD=$(kubectl get pods -l app=egress-app -o jsonpath='{.items[0].metadata.name}')`,
      check: (r) =>
        assert.deepEqual(r.stdout.trim().split(/\s+/).slice(0, 4), ["egress-app", "2/2", "2", "2"]),
    },
    {
      name: "aksnet trace: an annotated pod leaves from an address of the gateway prefix (network policies do not apply there)",
      run: 'aksnet trace -g myResourceGroup -c myAKSCluster --from-pod "default/$POD" --to 20.50.1.1:443/tcp -o json',
      check: (r) => {
        const t = r.json<PodTrace>();
        const prefix = r.earlier("wait for its status (not in the seed)").stdout.trim();
        assert.equal(t.verdict, "Delivered");
        assert.deepEqual(
          t.hops.map((h) => h.what),
          ["pod routing", "WireGuard", "SNAT"],
        );
        assert.ok(t.egressIp && inCidr(t.egressIp, prefix), `${t.egressIp} in ${prefix}`);
        assert.match(t.notes.join(" "), /Network policies do not apply to the gateway leg/);
      },
    },
    {
      name: "aksnet trace: to an excluded CIDR (here inside the VNet) the pod goes the normal way: kubenet NAT to the node's IP",
      run: 'aksnet trace -g myResourceGroup -c myAKSCluster --from-pod "default/$POD" --to 10.224.0.200:443/tcp -o json',
      check: (r) => {
        const t = r.json<PodTrace>();
        const prefix = r.earlier("wait for its status (not in the seed)").stdout.trim();
        assert.equal(t.verdict, "Delivered");
        assert.deepEqual(
          t.hops.map((h) => h.what),
          ["NAT", "route"],
        );
        assert.ok(t.egressIp && !inCidr(t.egressIp, prefix), `${t.egressIp} outside ${prefix}`);
        assert.equal(t.egressIp, t.hops[0].source, "the node's primary IP");
      },
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
      name: "the configurations follow the scale: 2 nodes, the removed nodes' public IPs released (not in the seed)",
      run: egressIpCount(4),
      check: (r) => assert.equal(r.stdout.trim(), "4"),
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
      name: "the configurations follow the scale: 4 nodes, one public IP each per configuration (not in the seed)",
      run: egressIpCount(8),
      check: (r) => assert.equal(r.stdout.trim(), "8"),
    },
    {
      name: "the configurations are handled before the pool goes, as the seed asks (not its line: kubectl delete)",
      run: "kubectl delete deployment egress-app && kubectl delete staticgatewayconfiguration my-gateway byo-gateway --wait=false",
      check: (r) =>
        assert.deepEqual(lines(r), [
          'deployment.apps "egress-app" deleted',
          'staticgatewayconfiguration.egressgateway.kubernetes.azure.com "my-gateway" deleted',
          'staticgatewayconfiguration.egressgateway.kubernetes.azure.com "byo-gateway" deleted',
        ]),
    },
    {
      name: "the controller releases what they made, then their finalizers go (not in the seed)",
      run: waitFor(
        `[ -z "$(kubectl get staticgatewayconfiguration -o name)" ] && [ "$(az network public-ip list -g ${NODE_RG} --query "length([?starts_with(name, 'egressgateway-')])")" = 0 ] && echo released`,
      ),
      check: (r) => assert.equal(r.stdout.trim(), "released"),
    },
    {
      name: "your own prefix is left alone (not in the seed)",
      run: "az network public-ip prefix show -g myResourceGroup -n myGatewayPrefix --query prefixLength",
      check: (r) => assert.equal(r.stdout.trim(), "30"),
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
  pending: [],
};
