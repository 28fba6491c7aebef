// Seed 004 (Japanese): container networking on AKS on Azure Stack HCI. The seed's one command
// line (Flannel chosen at creation) runs verbatim; around it, a full AksHci walkthrough: the
// host's network and Install-AksHci, a Calico cluster, the HAProxy load balancer's
// haproxy.cfg (checked by the real `haproxy -c`), the duplicate-VIP defect prevented, then
// reproduced and cleared by both documented workarounds, and the pool-size refusals.
// The cmdlets are bash functions calling `aksnet hci`, so the seed line runs as typed. The
// workloads are real: kubectl against the kubeconfigs Get-AksHciCredential writes (nodes, a
// Deployment, LoadBalancer Services whose VIPs come from the network's VIP pool, a
// NetworkPolicy that Calico enforces and Flannel does not, in `aksnet trace --hci-cluster`).
import { assert } from "./checks.js";
import type { Scenario, StepResult } from "./runner.js";

const CMDLETS = [
  "New-AksHciNetworkSetting",
  "New-AksHciClusterNetwork",
  "Get-AksHciClusterNetwork",
  "Remove-AksHciClusterNetwork",
  "Set-AksHciConfig",
  "Install-AksHci",
  "New-AksHciCluster",
  "Get-AksHciCluster",
  "Set-AksHciCluster",
  "Remove-AksHciCluster",
  "Get-AksHciNodePool",
  "Get-AksHciLoadBalancerConfig",
  "Get-AksHciCredential",
];

/** `Name : value` of PowerShell's list output (first object). */
function props(r: StepResult): Record<string, string> {
  const o: Record<string, string> = {};
  for (const l of r.stdout.split("\n")) {
    const m = /^(\S+)\s+: ?(.*)$/.exec(l);
    if (m && !(m[1] in o)) o[m[1]] = m[2];
  }
  return o;
}

/** `kubectl apply` of a LoadBalancer Service on a cluster, then its EXTERNAL-IP (one other than `was`). */
const lb = (cluster: string, name: string, port: number, nodePort: number, was = "") =>
  `lbsvc ${cluster} ${name} ${port} ${nodePort} ${was}`.trimEnd();
const POLICY = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-frontend}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {matchLabels: {role: frontend}}}], ports: [{port: 80}]}]`;

export const scenario: Scenario = {
  name: "004-hci",
  seed: "004",
  title: "AKS on Azure Stack HCI: networks, VIP pools, HAProxy, Calico vs Flannel, the duplicate-IP defect",
  fill: {},
  steps: [
    {
      name: "setup (not in the seed): the AksHci cmdlets as shell functions calling aksnet hci",
      run: [
        ...CMDLETS.map((c) => `${c}() { aksnet hci ${c} "$@"; }`),
        // kubectl on cluster $1 with the kubeconfig Get-AksHciCredential wrote for it.
        'k() { local c=$1; shift; kubectl --kubeconfig "kc/$c/config" "$@"; }',
        // Wait for a Service's EXTERNAL-IP (the service controller assigns it), other than $3.
        'svcip() { for i in $(seq 150); do ip=$(k $1 get svc $2 -o jsonpath="{.status.loadBalancer.ingress[0].ip}"); [ -n "$ip" ] && [ "$ip" != "$3" ] && { echo "$ip"; return 0; }; sleep 0.2; done; return 1; }',
        // A LoadBalancer Service <name> on <port> (node port <nodePort>) selecting app=<name>.
        'lbsvc() { printf "apiVersion: v1\\nkind: Service\\nmetadata: {name: %s}\\nspec: {type: LoadBalancer, selector: {app: %s}, ports: [{port: %s, nodePort: %s, targetPort: 80}]}\\n" $2 $2 $3 $4 | k $1 apply -f - >/dev/null && svcip $1 $2 $5; }',
        // Wait until cluster $1 lists $2 nodes.
        'nodes() { for i in $(seq 150); do [ "$(k $1 get nodes --no-headers 2>/dev/null | wc -l)" -ge $2 ] && return 0; sleep 0.2; done; return 1; }',
        // A one-replica Deployment <name> (labels app=<name> plus $3, e.g. "role: frontend").
        'deploy() { local extra=$3; [ -n "$extra" ] || extra="tier: app"; printf "apiVersion: apps/v1\\nkind: Deployment\\nmetadata: {name: %s}\\nspec:\\n  replicas: 1\\n  selector: {matchLabels: {app: %s}}\\n  template:\\n    metadata: {labels: {app: %s, %s}}\\n    spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]}\\n" $2 $2 $2 "$extra" | k $1 apply -f - >/dev/null; }',
        // namespace/name of the first pod of app=$2 once it has an address.
        'podof() { for i in $(seq 150); do ip=$(k $1 get pods -l app=$2 -o jsonpath="{.items[0].status.podIP}"); [ -n "$ip" ] && { echo "default/$(k $1 get pods -l app=$2 -o jsonpath="{.items[0].metadata.name}")"; return 0; }; sleep 0.2; done; return 1; }',
      ].join("\n"),
    },
    {
      name: "host (not in the seed): a static network for the AKS host, Set-AksHciConfig, Install-AksHci",
      run: `aksnet hci <<'PS'
$vnet = New-AksHciNetworkSetting -name mgmtvnet -vswitchName "extSwitch" -k8sNodeIpPoolStart "172.16.10.1" \`
    -k8sNodeIpPoolEnd "172.16.10.30" -vipPoolStart "172.16.255.0" -vipPoolEnd "172.16.255.7" \`
    -ipAddressPrefix "172.16.0.0/16" -gateway "172.16.0.1" -dnsServers "172.16.0.1"
Set-AksHciConfig -vnet $vnet -cloudServiceCidr "172.16.10.100/16"
Install-AksHci
PS`,
      check: (r) => assert.equal(r.stdout, ""),
    },
    {
      name: "seed: New-AksHciCluster with Flannel",
      seed: "004",
      run: "New-AksHciCluster -name MyCluster -primaryNetworkPlugin 'flannel'",
      check: (r) => {
        const o = props(r);
        assert.equal(o.ProvisioningState, "provisioned");
        assert.equal(o.Name, "MyCluster");
        assert.equal(o.NodePools, "{MyCluster-linux, MyCluster-windows}");
        assert.equal(o.LinuxNodeCount, "1");
      },
    },
    {
      name: "inspect: the cluster uses Flannel; its API server has the VIP after the host's",
      run: "Get-AksHciCluster -name MyCluster",
      check: (r) => {
        const o = props(r);
        assert.equal(o.PrimaryNetworkPlugin, "flannel");
        assert.equal(o.ApiServerVip, "172.16.255.1");
        assert.match(o.LoadBalancerVms, /^\{MyCluster-load-balancer-[a-z0-9]{5} 172\.16\.10\.5\}$/);
      },
    },
    {
      name: "the plugin cannot be changed after deployment",
      run: "Set-AksHciCluster -name MyCluster -primaryNetworkPlugin calico",
      expectExit: 1,
      check: (r) =>
        assert.match(
          r.stderr,
          /A parameter cannot be found that matches parameter name 'primaryNetworkPlugin'\./,
        ),
    },
    {
      name: "a second cluster without -primaryNetworkPlugin gets Calico (the default)",
      run: "New-AksHciCluster -name calicocl >/dev/null && aksnet hci 'Get-AksHciCluster | Format-Table Name,PrimaryNetworkPlugin,ApiServerVip'",
      check: (r) =>
        assert.match(
          r.stdout,
          /Name {6}PrimaryNetworkPlugin ApiServerVip\n-{4} {6}-{20} -{12}\nMyCluster flannel {14}172\.16\.255\.1\ncalicocl {2}calico {15}172\.16\.255\.2/,
        ),
    },
    {
      name: "haproxy.cfg of MyCluster's load balancer: API VIP:6443 to the control plane; haproxy -c accepts it",
      run: "Get-AksHciLoadBalancerConfig -name MyCluster > haproxy.cfg && cat haproxy.cfg && /usr/sbin/haproxy -c -f haproxy.cfg",
      check: (r) => {
        assert.match(r.stdout, /frontend frontend_172\.16\.255\.1_6443\n {4}bind 172\.16\.255\.1:6443\n/);
        assert.match(
          r.stdout,
          /backend backend_172\.16\.255\.1_6443\n {4}mode tcp\n {4}balance roundrobin\n {4}server tcp0 172\.16\.10\.4:6443 check/,
        );
        assert.match(r.stdout + r.stderr, /Configuration file is valid/);
      },
    },
    {
      name: "kubectl: Get-AksHciCredential writes each cluster's kubeconfig; the server is the cluster's v1.20.7",
      run: "mkdir -p kc/MyCluster kc/calicocl && Get-AksHciCredential -name MyCluster -configPath kc/MyCluster && Get-AksHciCredential -name calicocl -configPath kc/calicocl && k MyCluster version -o json | grep gitVersion | tail -1",
      check: (r) => assert.match(r.stdout, /"gitVersion": "v1\.20\.7"/),
    },
    {
      name: "kubectl get nodes: the control-plane and worker VMs (not the load-balancer VMs), node IPs, Flannel /24 and Calico /26 pod blocks",
      run: "nodes MyCluster 2 && k MyCluster get nodes -o custom-columns=IP:.status.addresses[0].address,PODCIDR:.spec.podCIDR --no-headers | sort && nodes calicocl 2 && k calicocl get nodes -o custom-columns=IP:.status.addresses[0].address,PODCIDR:.spec.podCIDR --no-headers | sort",
      check: (r) =>
        assert.match(
          r.stdout,
          /^172\.16\.10\.4 +10\.244\.0\.0\/24\n172\.16\.10\.6 +10\.244\.1\.0\/24\n172\.16\.10\.12 +10\.244\.0\.0\/26\n172\.16\.10\.14 +10\.244\.0\.64\/26\n$/,
        ),
    },
    {
      name: "kube-system runs the plugin's agent: kube-flannel-ds on MyCluster, calico-node on calicocl",
      run: 'for i in $(seq 100); do [ "$(k calicocl get ds -n kube-system --no-headers | wc -l)" -ge 2 ] && [ "$(k MyCluster get ds -n kube-system --no-headers | wc -l)" -ge 2 ] && break; sleep 0.2; done; k MyCluster get ds -n kube-system -o name; k calicocl get ds -n kube-system -o name',
      check: (r) =>
        assert.equal(
          r.stdout,
          "daemonset.apps/kube-flannel-ds\ndaemonset.apps/kube-proxy\ndaemonset.apps/calico-node\ndaemonset.apps/kube-proxy\n",
        ),
    },
    {
      name: "defect prevented (default): kubectl LoadBalancer Services of two clusters on one network, different ports, get different VIPs",
      run: `${lb("MyCluster", "web", 80, 30080)} && ${lb("calicocl", "api", 443, 30443)} && k MyCluster get svc web --no-headers`,
      check: (r) => {
        const [a, b, row] = r.stdout.trim().split("\n");
        assert.deepEqual([a, b], ["172.16.255.3", "172.16.255.4"]);
        assert.match(row, /^web +LoadBalancer +10\.\S+ +172\.16\.255\.3 +80:30080\/TCP/);
      },
    },
    {
      name: "the web Service's frontend: VIP:80 to every node's NodePort (control plane included)",
      run: "Get-AksHciLoadBalancerConfig -name MyCluster",
      check: (r) =>
        assert.match(
          r.stdout,
          /frontend frontend_172\.16\.255\.3_80\n {4}bind 172\.16\.255\.3:80\n[\s\S]*server tcp0 172\.16\.10\.4:30080 check\n {4}server tcp1 172\.16\.10\.6:30080 check/,
        ),
    },
    {
      name: "defect reproduced: with -emulateKnownIssues, both workloads redeployed on different ports share one VIP",
      run: [
        "Set-AksHciConfig -emulateKnownIssues",
        `${lb("MyCluster", "web", 80, 30081)} >/dev/null`,
        lb("calicocl", "api", 443, 30444, "172.16.255.4"),
      ].join(" && "),
      check: (r) => assert.equal(r.stdout.trim(), "172.16.255.3"),
    },
    {
      name: "the conflict shows in Get-AksHciCluster and Get-AksHciClusterNetwork output",
      run: "aksnet hci 'Get-AksHciCluster -name calicocl | Format-List Name,VipConflicts; Get-AksHciClusterNetwork -name mgmtvnet | Format-List Name,VipConflicts'",
      check: (r) => {
        assert.match(
          r.stdout,
          /VipConflicts : \{172\.16\.255\.3 shared with MyCluster: the load balancers of 'MyCluster' and 'calicocl' both claim 172\.16\.255\.3/,
        );
        assert.match(r.stdout, /random connectivity failures/);
        assert.match(
          r.stdout,
          /Name {9}: mgmtvnet\nVipConflicts : \{172\.16\.255\.3 \(MyCluster, calicocl\)\}/,
        );
      },
    },
    {
      name: "workaround 1: redeploy on the same port: the workload gets its own VIP, the conflict is gone",
      run: `${lb("calicocl", "api", 80, 30444, "172.16.255.3")} && aksnet hci 'Get-AksHciCluster -name calicocl | Format-List Name,VipConflicts'`,
      check: (r) => {
        assert.match(r.stdout, /^172\.16\.255\.4\n/);
        assert.doesNotMatch(r.stdout, /VipConflicts/);
      },
    },
    {
      name: "workaround 2: a separate AksHciClusterNetwork never shares VIPs",
      run: `aksnet hci <<'PS'
New-AksHciClusterNetwork -name net2 -vswitchName extSwitch -k8sNodeIpPoolStart 10.20.0.10 -k8sNodeIpPoolEnd 10.20.0.40 -vipPoolStart 10.20.0.100 -vipPoolEnd 10.20.0.110 -ipAddressPrefix 10.20.0.0/24 -gateway 10.20.0.1 -dnsServers 10.20.0.1 | Out-Null
New-AksHciCluster -name other -vnet (Get-AksHciClusterNetwork -name net2) | Out-Null
PS
mkdir -p kc/other && Get-AksHciCredential -name other -configPath kc/other && ${lb("other", "api", 443, 30443)}`,
      check: (r) => assert.equal(r.stdout.trim(), "10.20.0.101"),
    },
    {
      name: "NetworkPolicy with kubectl: Calico enforces it (trace names the policy), Flannel stores it and enforces nothing",
      run: [
        "for c in MyCluster calicocl; do deploy $c web && deploy $c client && deploy $c front \"role: frontend\" && k $c apply -f - >/dev/null <<'YAML'",
        POLICY,
        "YAML",
        "done",
        'aksnet trace --hci-cluster calicocl --from "$(podof calicocl client)" --to "$(podof calicocl web)" -p 80/tcp',
        'aksnet trace --hci-cluster calicocl --from "$(podof calicocl front)" --to "$(podof calicocl web)" -p 80/tcp',
        'aksnet trace --hci-cluster MyCluster --from "$(podof MyCluster client)" --to "$(podof MyCluster web)" -p 80/tcp',
        'aksnet trace --hci-cluster MyCluster --from "$(podof MyCluster client)" --to 172.16.10.4 -p 22/tcp',
      ].join("\n"),
      check: (r) => {
        const blocks = r.stdout.split(/\n(?=Trace )/);
        assert.equal(blocks.length, 4);
        assert.match(
          blocks[0],
          /in calicocl \(calico\)\n\n {2}DENIED {2}decided by isolation:default\/web-from-frontend\n/,
        );
        assert.match(blocks[1], /ALLOWED {2}decided by policy:default\/web-from-frontend\n/);
        assert.match(blocks[2], /in MyCluster \(flannel\)\n\n {2}ALLOWED {2}decided by plugin:podToPod\n/);
        assert.match(blocks[2], /not enforced by flannel: default\/web-from-frontend \(would have denied\)/);
        assert.match(blocks[3], /DENIED {2}decided by plugin:podToVmSameNetwork\n/);
      },
    },
    {
      name: "a cluster that does not fit the node pool is refused before anything is made",
      run: "New-AksHciCluster -name big -linuxNodeCount 20",
      expectExit: 1,
      check: (r) => {
        assert.match(
          r.stderr,
          /Cluster 'big' \(1 control plane \+ 20 worker \+ 1 load balancer \+ 5 for updates\) needs 27 addresses from the k8s node IP pool of network 'mgmtvnet' \(172\.16\.10\.1-172\.16\.10\.30\), but only 11 are free\./,
        );
        assert.match(r.stderr, /FullyQualifiedErrorId : OutOfCapacity,New-AksHciCluster/);
      },
    },
    {
      name: "Remove-AksHciClusterNetwork is refused while a cluster uses the network, then works",
      run: 'Remove-AksHciClusterNetwork -name net2; echo "exit=$?"; Remove-AksHciCluster -name other && Remove-AksHciClusterNetwork -name net2 && echo removed',
      check: (r) => {
        assert.match(
          r.stderr,
          /The cluster network 'net2' cannot be removed: it is In Use by cluster 'other'\./,
        );
        assert.match(r.stdout, /exit=1\nremoved/);
      },
    },
  ],
  pending: [],
};
