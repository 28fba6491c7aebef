// The AksHci cmdlets `aksnet hci` knows: each one's parameters (names, types, mandatory,
// ValidateSet, defaults as hci.md lists them) as data, and what it does — a call to the
// emulator's HCI face (/_aksnet/hci/…) and the object the module prints.
import fs from "node:fs";
import path from "node:path";
import type { ClusterBody, NetworkBody, NodePoolBody } from "../../hci/model.js";
import { validateNetworkSpec } from "../../hci/networks.js";
import { obj, type PsObject, type PsValue } from "./output.js";

export type ParamType = "string" | "int" | "bool" | "switch" | "string[]" | "vnet" | "lbsetting";

export interface ParamSpec {
  name: string;
  type: ParamType;
  mandatory?: boolean;
  set?: readonly string[];
  aliases?: readonly string[];
  /** Binds the first positional argument. */
  position0?: boolean;
}

export type Bound = Record<string, PsValue>;

/** What a cmdlet needs from the session: the face, and where files go. */
export interface CmdletContext {
  call(method: string, path: string, body?: unknown): Promise<unknown>;
  text(path: string): Promise<string>;
  home: string;
  cwd: string;
  warn(message: string): void;
}

export interface Cmdlet {
  name: string;
  /** Spellings the docs also use (typos included). */
  aliases?: readonly string[];
  params: ParamSpec[];
  run(b: Bound, ctx: CmdletContext): Promise<PsValue[]>;
}

const p = (name: string, type: ParamType, extra: Partial<ParamSpec> = {}): ParamSpec => ({
  name,
  type,
  ...extra,
});
const s = (b: Bound, k: string) => (b[k] === undefined || b[k] === null ? undefined : String(b[k]));
const n = (b: Bound, k: string) => (b[k] === undefined || b[k] === null ? undefined : Number(b[k]));
const bool = (b: Bound, k: string) => (b[k] === undefined || b[k] === null ? undefined : Boolean(b[k]));
const enc = encodeURIComponent;

// ---- objects as the module prints them -------------------------------------------------------------

export function networkObject(x: NetworkBody & { vipConflicts?: unknown[] }): PsObject {
  const props: Record<string, PsValue> = {
    Name: x.name,
    VswitchName: x.vswitchName,
    IpAddressPrefix: x.ipAddressPrefix ?? null,
    Gateway: x.gateway ?? null,
    DnsServers: x.dnsServers ?? null,
    MacPoolName: x.macPoolName,
    Vlanid: x.vlanID ?? 0,
    VipPoolStart: x.vipPoolStart,
    VipPoolEnd: x.vipPoolEnd,
    K8snodeIPPoolStart: x.k8sNodeIpPoolStart ?? null,
    K8snodeIPPoolEnd: x.k8sNodeIpPoolEnd ?? null,
  };
  const conflicts = (x.vipConflicts ?? []) as { vip: string; clusters: string[] }[];
  if (conflicts.length) props.VipConflicts = conflicts.map((c) => `${c.vip} (${c.clusters.join(", ")})`);
  const o = obj("VirtualNetwork", props);
  // The whole spec travels with the object so `-vnet $vnet` can send it on.
  Object.defineProperty(o, "spec", { value: x, enumerable: false });
  return o;
}

export function specOf(o: PsObject): NetworkBody {
  return (o as PsObject & { spec: NetworkBody }).spec;
}

interface LbSetting {
  name: string;
  sku: "HAProxy" | "none";
  vmSize: string;
  count: number;
}

function lbObject(x: LbSetting): PsObject {
  const o = obj("LoadBalancerSetting", {
    Name: x.name,
    LoadBalancerSku: x.sku,
    VmSize: x.vmSize,
    LoadBalancerCount: x.count,
  });
  Object.defineProperty(o, "spec", { value: x, enumerable: false });
  return o;
}

export function lbSpecOf(o: PsObject): LbSetting {
  return (o as PsObject & { spec: LbSetting }).spec;
}

type ClusterOut = ClusterBody & { vipConflicts?: { vip: string; clusters: string[]; effect: string }[] };

const counts = (c: ClusterBody, os: string, sku?: string) =>
  c.legacy
    ? c.nodePools
        .filter((x) => x.osType === os && (sku === undefined || x.osSku === sku))
        .reduce((a, x) => a + x.count, 0)
    : 0;

/** New-AksHciCluster's output (the reference page's example). */
function newClusterObject(c: ClusterBody): PsObject {
  return obj("AksHciCluster", {
    ProvisioningState: "provisioned",
    KubernetesVersion: c.kubernetesVersion,
    NodePools: c.nodePools.map((x) => x.name),
    WindowsNodeCount: counts(c, "Windows"),
    LinuxNodeCount: counts(c, "Linux"),
    ControlPlaneNodeCount: c.controlPlaneNodeCount,
    Name: c.name,
  });
}

/** Get-AksHciCluster's output (module 1.2.16's fields), then what aksnet adds about the network. */
function clusterObject(c: ClusterOut): PsObject {
  const props: Record<string, PsValue> = {
    Status: obj("Hashtable", { ProvisioningState: "Deployed", Details: null }, true),
    ProvisioningState: "Deployed",
    KubernetesVersion: c.kubernetesVersion,
    PackageVersion: `${c.kubernetesVersion}-aksnet`,
    NodePools: c.nodePools.map((x) => x.name),
    WindowsNodeCount: counts(c, "Windows"),
    Windows2022NodeCount: counts(c, "Windows", "Windows2022"),
    LinuxNodeCount: counts(c, "Linux"),
    ControlPlaneNodeCount: c.controlPlaneNodeCount,
    ControlPlaneVmSize: c.controlPlaneVmSize,
    AutoScalerEnabled: c.enableAutoScaler,
    AutoScalerProfile: c.autoScalerProfileName ?? null,
    LoadBalancer: obj(
      "Hashtable",
      { VMSize: c.loadBalancer.vmSize, Count: c.loadBalancer.count, Sku: c.loadBalancer.sku },
      true,
    ),
    ImageName: null,
    Name: c.name,
    Network: c.network,
    PrimaryNetworkPlugin: c.primaryNetworkPlugin,
    ApiServerVip: c.apiServerVip,
    LoadBalancerVms: c.vms.filter((v) => v.role === "loadbalancer").map((v) => `${v.name} ${v.ip}`),
  };
  if (c.vipConflicts?.length)
    props.VipConflicts = c.vipConflicts.map(
      (x) => `${x.vip} shared with ${x.clusters.filter((y) => y !== c.name).join(", ")}: ${x.effect}`,
    );
  return obj("AksHciCluster", props);
}

function nodePoolObject(x: NodePoolBody & { clusterName: string; version: string }): PsObject {
  return obj("AksHciNodePool", {
    ClusterName: x.clusterName,
    NodePoolName: x.name,
    Version: x.version,
    OsType: x.osType,
    NodeCount: x.count,
    VmSize: x.vmSize,
    Phase: "Deployed",
    AutoScalerEnabled: x.autoScalerEnabled,
  });
}

// ---- the network parameters shared by New-AksHciNetworkSetting and New-AksHciClusterNetwork -------

const NETWORK_PARAMS: ParamSpec[] = [
  p("name", "string", { mandatory: true }),
  // The ClusterNetwork DHCP examples spell it -vnetName (a documented slip we accept).
  p("vswitchName", "string", { mandatory: true, aliases: ["vnetName"] }),
  p("vipPoolStart", "string", { mandatory: true }),
  p("vipPoolEnd", "string", { mandatory: true }),
  p("k8sNodeIpPoolStart", "string"),
  p("k8sNodeIpPoolEnd", "string"),
  p("ipAddressPrefix", "string"),
  p("gateway", "string"),
  p("dnsServers", "string[]"),
  p("vlanID", "int"),
];

function networkSpec(b: Bound) {
  return {
    name: s(b, "name") as string,
    vswitchName: s(b, "vswitchName") as string,
    vipPoolStart: s(b, "vipPoolStart") as string,
    vipPoolEnd: s(b, "vipPoolEnd") as string,
    ...(b.k8sNodeIpPoolStart !== undefined ? { k8sNodeIpPoolStart: s(b, "k8sNodeIpPoolStart") } : {}),
    ...(b.k8sNodeIpPoolEnd !== undefined ? { k8sNodeIpPoolEnd: s(b, "k8sNodeIpPoolEnd") } : {}),
    ...(b.ipAddressPrefix !== undefined ? { ipAddressPrefix: s(b, "ipAddressPrefix") } : {}),
    ...(b.gateway !== undefined ? { gateway: s(b, "gateway") } : {}),
    ...(b.dnsServers !== undefined ? { dnsServers: (b.dnsServers as PsValue[]).map(String) } : {}),
    ...(b.vlanID !== undefined ? { vlanID: n(b, "vlanID") } : {}),
  };
}

export const CMDLETS: Cmdlet[] = [
  {
    name: "New-AksHciNetworkSetting",
    params: NETWORK_PARAMS,
    // A local object: validated here, stored only when Set-AksHciConfig -vnet takes it.
    run: async (b) => [networkObject(validateNetworkSpec(networkSpec(b), "host"))],
  },
  {
    name: "New-AksHciClusterNetwork",
    params: NETWORK_PARAMS,
    run: async (b, ctx) => {
      const spec = networkSpec(b);
      return [networkObject((await ctx.call("PUT", `/networks/${enc(spec.name)}`, spec)) as NetworkBody)];
    },
  },
  {
    name: "Get-AksHciClusterNetwork",
    params: [p("name", "string", { position0: true }), p("clusterName", "string")],
    run: async (b, ctx) => {
      if (b.name !== undefined)
        return [networkObject((await ctx.call("GET", `/networks/${enc(String(b.name))}`)) as NetworkBody)];
      const q = b.clusterName !== undefined ? `?clusterName=${enc(String(b.clusterName))}` : "";
      const list = (await ctx.call("GET", `/networks${q}`)) as NetworkBody[];
      const out: PsValue[] = [];
      for (const x of list)
        out.push(networkObject((await ctx.call("GET", `/networks/${enc(x.name)}`)) as NetworkBody));
      return out;
    },
  },
  {
    name: "Remove-AksHciClusterNetwork",
    params: [p("name", "string", { mandatory: true, position0: true })],
    run: async (b, ctx) => {
      await ctx.call("DELETE", `/networks/${enc(String(b.name))}`);
      return [];
    },
  },
  {
    name: "Set-AksHciConfig",
    params: [
      p("vnet", "vnet"),
      p("workingDir", "string"),
      p("cloudConfigLocation", "string"),
      p("imageDir", "string"),
      p("nodeConfigLocation", "string"),
      p("cloudServiceCidr", "string"),
      p("controlPlaneVmSize", "string"),
      p("cloudLocation", "string"),
      p("macPoolStart", "string"),
      p("macPoolEnd", "string"),
      p("version", "string"),
      p("sshPublicKey", "string"),
      p("skipHostLimitChecks", "switch"),
      p("skipRemotingChecks", "switch"),
      p("skipValidationChecks", "switch"),
      p("enablePreview", "switch"),
      // aksnet's opt-in to the documented duplicate-VIP defect (docs/hci.md).
      p("emulateKnownIssues", "switch"),
    ],
    run: async (b, ctx) => {
      await ctx.call("PUT", "/config", {
        ...(b.vnet ? { vnet: b.vnet } : {}),
        workingDir: s(b, "workingDir"),
        cloudConfigLocation: s(b, "cloudConfigLocation"),
        imageDir: s(b, "imageDir"),
        cloudServiceCidr: s(b, "cloudServiceCidr"),
        controlPlaneVmSize: s(b, "controlPlaneVmSize"),
        cloudLocation: s(b, "cloudLocation"),
        macPoolStart: s(b, "macPoolStart"),
        macPoolEnd: s(b, "macPoolEnd"),
        emulateKnownIssues: bool(b, "emulateKnownIssues"),
      });
      return [];
    },
  },
  {
    name: "Install-AksHci",
    params: [],
    run: async (_b, ctx) => {
      await ctx.call("POST", "/install");
      return [];
    },
  },
  {
    name: "New-AksHciLoadBalancerSetting",
    aliases: ["New-AksHciLoadBalancerObject", "New-AksHciLoadBalancerSettings"],
    params: [
      p("name", "string", { mandatory: true }),
      p("loadBalancerSku", "string", { mandatory: true, set: ["HAProxy", "none"] }),
      p("vmSize", "string"),
      p("loadBalancerCount", "int"),
    ],
    run: async (b) => {
      const sku = String(b.loadBalancerSku) as "HAProxy" | "none";
      const count = n(b, "loadBalancerCount") ?? (sku === "HAProxy" ? 1 : 0);
      if (sku === "HAProxy" && count < 1)
        throw new LocalError("loadBalancerCount", "-loadBalancerCount must be at least 1 with SKU HAProxy.");
      return [
        lbObject({
          name: String(b.name),
          sku,
          vmSize: s(b, "vmSize") ?? "Standard_A4_V2",
          count: sku === "none" ? 0 : count,
        }),
      ];
    },
  },
  {
    name: "New-AksHciCluster",
    params: [
      p("name", "string", { mandatory: true, position0: true }),
      p("kubernetesVersion", "string"),
      p("controlPlaneNodeCount", "int"),
      p("controlPlaneVmSize", "string"),
      p("loadBalancerVmSize", "string"),
      p("loadBalancerSettings", "lbsetting"),
      p("vnet", "vnet"),
      p("primaryNetworkPlugin", "string", { set: ["calico", "flannel"] }),
      p("linuxNodeCount", "int"),
      p("windowsNodeCount", "int"),
      p("linuxNodeVmSize", "string"),
      p("windowsNodeVmSize", "string"),
      p("nodePoolName", "string"),
      p("nodeCount", "int"),
      p("nodeVmSize", "string"),
      p("osType", "string", { set: ["Linux", "Windows"] }),
      p("osSku", "string"),
      p("taints", "string[]"),
      p("nodeMaxPodCount", "int"),
      p("enableAdAuth", "switch"),
      p("enableMonitoring", "switch"),
      p("enableAutoScaler", "bool"),
      p("autoScalerProfileName", "string"),
      p("enableAzureRBAC", "switch"),
      p("enableAzureRbac", "switch"),
    ].filter((x, i, all) => all.findIndex((y) => y.name.toLowerCase() === x.name.toLowerCase()) === i),
    run: async (b, ctx) => {
      const body: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(b)) body[k] = v;
      if (b.vnet) body.vnet = (b.vnet as unknown as NetworkBody).name;
      delete body.name;
      const c = (await ctx.call("PUT", `/clusters/${enc(String(b.name))}`, body)) as ClusterBody;
      for (const w of c.warnings ?? []) ctx.warn(w);
      return [newClusterObject(c)];
    },
  },
  {
    name: "Get-AksHciCluster",
    params: [p("name", "string", { position0: true })],
    run: async (b, ctx) => {
      if (b.name !== undefined)
        return [clusterObject((await ctx.call("GET", `/clusters/${enc(String(b.name))}`)) as ClusterOut)];
      return ((await ctx.call("GET", "/clusters")) as ClusterOut[]).map(clusterObject);
    },
  },
  {
    name: "Set-AksHciCluster",
    params: [
      p("name", "string", { mandatory: true, position0: true }),
      p("controlPlaneNodeCount", "int"),
      p("controlPlaneVmSize", "string"),
      p("enableAutoScaler", "bool"),
      p("autoScalerProfileName", "string"),
    ],
    run: async (b, ctx) => {
      const body = { ...b };
      delete body.name;
      return [
        clusterObject((await ctx.call("PATCH", `/clusters/${enc(String(b.name))}`, body)) as ClusterOut),
      ];
    },
  },
  {
    name: "Remove-AksHciCluster",
    params: [
      p("name", "string", { mandatory: true, position0: true }),
      p("force", "switch"),
      p("Confirm", "bool"),
    ],
    run: async (b, ctx) => {
      await ctx.call("DELETE", `/clusters/${enc(String(b.name))}`);
      return [];
    },
  },
  {
    name: "New-AksHciNodePool",
    params: [
      p("clusterName", "string", { mandatory: true }),
      p("name", "string", { mandatory: true }),
      p("count", "int"),
      p("osType", "string", { set: ["Linux", "Windows"] }),
      p("osSku", "string"),
      p("vmSize", "string"),
      p("taints", "string[]"),
      p("maxPodCount", "int"),
      p("disableAutoScaler", "switch"),
    ],
    run: async (b, ctx) => {
      const body = { ...b };
      delete body.clusterName;
      delete body.name;
      return [
        nodePoolObject(
          (await ctx.call(
            "PUT",
            `/clusters/${enc(String(b.clusterName))}/nodepools/${enc(String(b.name))}`,
            body,
          )) as never,
        ),
      ];
    },
  },
  {
    name: "Get-AksHciNodePool",
    params: [p("clusterName", "string", { mandatory: true }), p("name", "string")],
    run: async (b, ctx) => {
      const base = `/clusters/${enc(String(b.clusterName))}/nodepools`;
      if (b.name !== undefined)
        return [nodePoolObject((await ctx.call("GET", `${base}/${enc(String(b.name))}`)) as never)];
      return ((await ctx.call("GET", base)) as never[]).map(nodePoolObject);
    },
  },
  {
    name: "Set-AksHciNodePool",
    params: [
      p("clusterName", "string", { mandatory: true }),
      p("name", "string", { mandatory: true }),
      p("count", "int"),
      p("autoScaler", "bool"),
    ],
    run: async (b, ctx) => [
      nodePoolObject(
        (await ctx.call("PATCH", `/clusters/${enc(String(b.clusterName))}/nodepools/${enc(String(b.name))}`, {
          count: n(b, "count"),
          autoScaler: bool(b, "autoScaler"),
        })) as never,
      ),
    ],
  },
  {
    name: "Remove-AksHciNodePool",
    params: [p("clusterName", "string", { mandatory: true }), p("name", "string", { mandatory: true })],
    run: async (b, ctx) => {
      await ctx.call("DELETE", `/clusters/${enc(String(b.clusterName))}/nodepools/${enc(String(b.name))}`);
      return [];
    },
  },
  {
    name: "Set-AksHciLoadBalancer",
    params: [
      p("clusterName", "string", { mandatory: true }),
      p("loadBalancerCount", "int", { mandatory: true }),
    ],
    run: async (b, ctx) => {
      await ctx.call("PATCH", `/clusters/${enc(String(b.clusterName))}/loadbalancer`, {
        loadBalancerCount: n(b, "loadBalancerCount"),
      });
      return [];
    },
  },
  {
    // Not an AksHci cmdlet: /etc/haproxy/haproxy.cfg of the cluster's load-balancer VM.
    name: "Get-AksHciLoadBalancerConfig",
    params: [p("name", "string", { mandatory: true, position0: true })],
    run: async (b, ctx) => [
      (await ctx.text(`/clusters/${enc(String(b.name))}/haproxy.cfg`)).replace(/\n$/, ""),
    ],
  },
  {
    name: "Get-AksHciCredential",
    params: [
      p("name", "string", { mandatory: true, position0: true }),
      p("configPath", "string"),
      p("adAuth", "switch"),
      p("Confirm", "bool"),
    ],
    run: async (b, ctx) => {
      const text = await ctx.text(`/clusters/${enc(String(b.name))}/kubeconfig`);
      let file = path.join(ctx.home, ".kube", "config");
      const given = s(b, "configPath");
      if (given) {
        const abs = path.resolve(ctx.cwd, given);
        file = fs.existsSync(abs) && fs.statSync(abs).isDirectory() ? path.join(abs, "config") : abs;
      }
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text, { mode: 0o600 });
      return [];
    },
  },
];

/** A cmdlet's own validation failure, before any call. */
export class LocalError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
  }
}

export function findCmdlet(name: string): Cmdlet | undefined {
  const l = name.toLowerCase();
  return CMDLETS.find((c) => c.name.toLowerCase() === l || c.aliases?.some((a) => a.toLowerCase() === l));
}
