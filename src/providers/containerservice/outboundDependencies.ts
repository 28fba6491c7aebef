// GET …/managedClusters/{c}/outboundNetworkDependenciesEndpoints
// (ManagedClusters_ListOutboundNetworkDependenciesEndpoints): the egress a cluster needs, by
// category — what a firewall in front of a userDefinedRouting cluster must allow. The table is
// the API's published example; the Windows and GPU categories are listed only for a cluster
// that has such a pool.
import type { ArmContext } from "../context.js";
import type { Wire } from "../registry.js";
import { type ClusterRecord, listPools } from "./records.js";

type Protocol = "Https" | "Http" | "TCP" | "UDP";
interface Category {
  category: string;
  endpoints: [domainName: string, port: number, protocol: Protocol, description?: string][];
  /** Listed only for clusters with a pool of this kind. */
  when?: "windows" | "gpu";
}

const CATEGORIES: readonly Category[] = [
  {
    category: "azure-resource-management",
    endpoints: [
      ["management.azure.com", 443, "Https"],
      ["login.microsoftonline.com", 443, "Https"],
    ],
  },
  {
    category: "images",
    endpoints: [
      ["mcr.microsoft.com", 443, "Https"],
      ["*.data.mcr.microsoft.com", 443, "Https", "mcr cdn"],
    ],
  },
  {
    category: "artifacts",
    endpoints: [
      ["packages.microsoft.com", 443, "Https"],
      ["acs-mirror.azureedge.net", 443, "Https"],
    ],
  },
  { category: "time-sync", endpoints: [["ntp.ubuntu.com", 123, "UDP"]] },
  {
    category: "ubuntu-optional",
    endpoints: [
      ["security.ubuntu.com", 80, "Http"],
      ["azure.archive.ubuntu.com", 80, "Http"],
      ["changelogs.ubuntu.com", 80, "Http"],
    ],
  },
  {
    category: "gpu",
    when: "gpu",
    endpoints: [
      ["nvidia.github.io", 443, "Https"],
      ["us.download.nvidia.com", 443, "Https"],
      ["apt.dockerproject.org", 443, "Https"],
    ],
  },
  {
    category: "windows",
    when: "windows",
    endpoints: [
      ["onegetcdn.azureedge.net", 443, "Https"],
      ["go.microsoft.com", 443, "Https"],
      ["*.mp.microsoft.com", 80, "Http"],
      ["www.msftconnecttest.com", 80, "Http"],
      ["ctldl.windowsupdate.com", 80, "Http"],
    ],
  },
  { category: "apiserver", endpoints: [["*.azmk8s.io", 443, "Https"]] },
  { category: "tunnel-classic", endpoints: [["*.azmk8s.io", 9000, "TCP"]] },
];

/** N-series VM sizes carry GPUs (Standard_NC6s_v3, Standard_ND96asr_v4, Standard_NV36ads_A10_v5 …). */
const GPU_SIZE = /^Standard_N[CDGV]/i;

export async function outboundNetworkDependenciesEndpoints(ctx: ArmContext, c: ClusterRecord): Promise<Wire> {
  const pools = (await listPools(ctx, c.rec.id)).map((p) => p.internal.spec);
  const has = {
    windows: pools.some((p) => p.osType === "Windows"),
    gpu: pools.some((p) => GPU_SIZE.test(p.vmSize)),
  };
  return {
    value: CATEGORIES.filter((x) => !x.when || has[x.when]).map((x) => ({
      category: x.category,
      endpoints: x.endpoints.map(([domainName, port, protocol, description]) => ({
        domainName,
        endpointDetails: [{ port, protocol, ...(description ? { description } : {}) }],
      })),
    })),
  };
}
