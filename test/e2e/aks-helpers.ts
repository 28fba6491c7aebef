// Shared setup for the AKS end-to-end files: one emulator, the official SDK clients, and
// small builders for the bodies the seeds send.
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ComputeManagementClient } from "@azure/arm-compute";
import { type AgentPool, ContainerServiceClient, type ManagedCluster } from "@azure/arm-containerservice";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { NetworkManagementClient } from "@azure/arm-network";
import { ResourceManagementClient } from "@azure/arm-resources";
import type { ServerOptions } from "../../src/server/config.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

export const NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7";

export interface Clients {
  emu: TestEmulator;
  aks: ContainerServiceClient;
  net: NetworkManagementClient;
  compute: ComputeManagementClient;
  msi: ManagedServiceIdentityClient;
  auth: AuthorizationManagementClient;
  resources: ResourceManagementClient;
}

export async function startClients(overrides: Partial<ServerOptions> = {}): Promise<Clients> {
  const emu = await startTestEmulator({ pageSize: 1000, ...overrides });
  const o = emu.clientOptions;
  return {
    emu,
    aks: new ContainerServiceClient(emu.credential, emu.subscriptionId, o),
    net: new NetworkManagementClient(emu.credential, emu.subscriptionId, o),
    compute: new ComputeManagementClient(emu.credential, emu.subscriptionId, o),
    msi: new ManagedServiceIdentityClient(emu.credential, emu.subscriptionId, o),
    auth: new AuthorizationManagementClient(emu.credential, emu.subscriptionId, o),
    resources: new ResourceManagementClient(emu.credential, emu.subscriptionId, o),
  };
}

export interface ArmFailure {
  statusCode?: number;
  code?: string;
  message: string;
  details?: { target?: string };
}

/** The error a call fails with (SDK errors carry statusCode and code). */
export async function errorOf(p: Promise<unknown> | PromiseLike<unknown>): Promise<ArmFailure> {
  try {
    await p;
  } catch (e) {
    return e as ArmFailure;
  }
  throw new Error("expected the call to fail");
}

export interface ClusterOptions {
  plugin?: "kubenet" | "azure";
  overlay?: boolean;
  subnetId?: string;
  podSubnetId?: string;
  count?: number;
  maxPods?: number;
  podCidr?: string;
  serviceCidr?: string;
  dnsServiceIP?: string;
  identityId?: string;
  pools?: Partial<AgentPool & { name: string }>[];
  location?: string;
}

/** A cluster body like `az aks create` sends, with the seed's network settings. */
export function clusterBody(o: ClusterOptions = {}): ManagedCluster {
  const pool = {
    name: "nodepool1",
    count: o.count ?? 3,
    vmSize: "Standard_DS2_v2",
    osType: "Linux",
    mode: "System",
    ...(o.maxPods ? { maxPods: o.maxPods } : {}),
    ...(o.subnetId ? { vnetSubnetID: o.subnetId } : {}),
    ...(o.podSubnetId ? { podSubnetID: o.podSubnetId } : {}),
  };
  return {
    location: o.location ?? "eastus",
    identity: o.identityId
      ? { type: "UserAssigned", userAssignedIdentities: { [o.identityId]: {} } }
      : { type: "SystemAssigned" },
    kubernetesVersion: "",
    dnsPrefix: "aks",
    agentPoolProfiles: [pool, ...((o.pools ?? []) as (typeof pool)[])],
    networkProfile: {
      networkPlugin: o.plugin ?? "kubenet",
      ...(o.overlay ? { networkPluginMode: "overlay" } : {}),
      ...(o.podCidr ? { podCidr: o.podCidr } : {}),
      ...(o.serviceCidr ? { serviceCidr: o.serviceCidr } : {}),
      ...(o.dnsServiceIP ? { dnsServiceIP: o.dnsServiceIP } : {}),
    },
  } as ManagedCluster;
}

/** VNet + subnet like `az network vnet create … --subnet-name S --subnet-prefix P`; returns the subnet id. */
export async function vnetWithSubnet(
  c: Clients,
  rg: string,
  vnet: string,
  space: string,
  subnets: Record<string, string>,
): Promise<Record<string, string>> {
  const v = await c.net.virtualNetworks.beginCreateOrUpdateAndWait(rg, vnet, {
    location: "eastus",
    addressSpace: { addressPrefixes: [space] },
    subnets: Object.entries(subnets).map(([name, addressPrefix]) => ({ name, addressPrefix })),
  });
  return Object.fromEntries((v.subnets ?? []).map((s) => [s.name ?? "", s.id ?? ""]));
}

export const nodeRg = (rg: string, cluster: string, location = "eastus") => `MC_${rg}_${cluster}_${location}`;
