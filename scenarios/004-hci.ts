// Seed 004 (Japanese): container networking on AKS on Azure Stack HCI. The seed's one command
// line (Flannel chosen at creation) runs verbatim; around it, a full AksHci walkthrough: the
// host's network and Install-AksHci, a Calico cluster, the HAProxy load balancer's
// haproxy.cfg (checked by the real `haproxy -c`), the duplicate-VIP defect prevented, then
// reproduced and cleared by both documented workarounds, and the pool-size refusals.
// The cmdlets are bash functions calling `aksnet hci`, so the seed line runs as typed.
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

const vip = (r: StepResult) => (JSON.parse(r.stdout) as { vip: string }).vip;
/** Until the Kubernetes face exists: the service hook kubectl-created Services will go through. */
const service = (verb: string, rest: string) => `"$AKSNET_NODE" "$HCI_SERVICE" ${verb} ${rest}`;

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
        `HCI_SERVICE="$(dirname "$AKSNET_BIN")/../scenarios/hci-service.mjs"`,
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
      name: "defect prevented (default): Services of two clusters on one network, different ports, get different VIPs",
      run: `${service("put", "MyCluster default/web 80:30080")} && ${service("put", "calicocl default/api 443:30443")}`,
      check: (r) => {
        const [a, b] = r.stdout
          .trim()
          .split("\n")
          .map((l) => (JSON.parse(l) as { vip: string }).vip);
        assert.deepEqual([a, b], ["172.16.255.3", "172.16.255.4"]);
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
        service("delete", "MyCluster default/web"),
        service("delete", "calicocl default/api"),
        `${service("put", "MyCluster default/web 80:30080")} >/dev/null`,
        service("put", "calicocl default/api 443:30443"),
      ].join(" && "),
      check: (r) => assert.equal(vip(r), "172.16.255.3"),
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
      run: `${service("delete", "calicocl default/api")} && ${service("put", "calicocl default/api 80:30443")} && aksnet hci 'Get-AksHciCluster -name calicocl | Format-List Name,VipConflicts'`,
      check: (r) => {
        assert.match(r.stdout, /"vip":"172\.16\.255\.4"/);
        assert.doesNotMatch(r.stdout, /VipConflicts/);
      },
    },
    {
      name: "workaround 2: a separate AksHciClusterNetwork never shares VIPs",
      run: `aksnet hci <<'PS'
New-AksHciClusterNetwork -name net2 -vswitchName extSwitch -k8sNodeIpPoolStart 10.20.0.10 -k8sNodeIpPoolEnd 10.20.0.40 -vipPoolStart 10.20.0.100 -vipPoolEnd 10.20.0.110 -ipAddressPrefix 10.20.0.0/24 -gateway 10.20.0.1 -dnsServers 10.20.0.1 | Out-Null
New-AksHciCluster -name other -vnet (Get-AksHciClusterNetwork -name net2) | Out-Null
PS
${service("put", "other default/api 443:30443")}`,
      check: (r) => assert.equal(vip(r), "10.20.0.101"),
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
  pending: [
    "kubectl get svc shows the Service VIP as EXTERNAL-IP (<pending> with -loadBalancerSku none): needs the Kubernetes face (issue 10) and Services (issue 12)",
    "Get-AksHciCredential then kubectl get nodes against the cluster: needs the Kubernetes face (issue 10)",
    "NetworkPolicy objects created with kubectl enforced by Calico and ignored by Flannel in aksnet trace: needs the Kubernetes face",
  ],
};
