// Microsoft.Compute virtualMachineScaleSets and their instances (`…/virtualMachines/{id}`).
// Over HTTP they are read-only: AKS's reconciler writes them through the functions below,
// the way the real AKS resource provider owns its node pools' scale sets. Instance NICs are
// Microsoft.Network resources; a scale set only references them (and the instance-level
// public IP listing served under this path belongs to Microsoft.Network as well).
import type { ResourceRecord } from "../../store/types.js";
import { listRecords, requireResourceGroup } from "../common.js";
import type { ArmContext } from "../context.js";
import { resourceNotFound } from "../errors.js";
import { buildId, lastName, newGuid, parseResourceId, stableGuid } from "../ids.js";
import type { ResourceTypeHandler, Wire } from "../registry.js";

export const VMSS_TYPE = "Microsoft.Compute/virtualMachineScaleSets";
export const VMSS_VM_TYPE = "Microsoft.Compute/virtualMachineScaleSets/virtualMachines";

export const COMPUTE_API_VERSIONS = [
  "2026-04-01",
  "2025-04-01",
  "2024-11-01",
  "2024-07-01",
  "2024-03-01",
  "2023-09-01",
  "2023-07-01",
  "2023-03-01",
  "2022-11-01",
  "2022-08-01",
  "2022-03-01",
  "2021-11-01",
  "2021-07-01",
  "2021-04-01",
  "2021-03-01",
  "2020-12-01",
  "2020-06-01",
  "2019-12-01",
  "2019-07-01",
  "2019-03-01",
  "2018-10-01",
  "2018-06-01",
  "2018-04-01",
  "2017-12-01",
  "2017-03-30",
] as const;

/** One IP configuration of the scale set's NIC template. */
export interface IpConfigTemplate {
  name: string;
  primary: boolean;
  subnetId: string;
  loadBalancerBackendAddressPoolIds?: string[];
  applicationSecurityGroupIds?: string[];
  /** Instance-level public IP template (issue #4 fills it in). */
  publicIPAddressConfiguration?: Wire;
}

export interface ScaleSetSpec {
  id: string;
  location: string;
  tags: Record<string, string>;
  vmSize: string;
  capacity: number;
  osType: "Linux" | "Windows";
  computerNamePrefix: string;
  adminUsername: string;
  nicName: string;
  networkSecurityGroupId?: string;
  enableIPForwarding: boolean;
  ipConfigurations: IpConfigTemplate[];
  /** User-assigned identities attached to every instance (AKS: the kubelet identity). */
  identities?: Record<string, { principalId: string; clientId: string }>;
  zones?: string[];
}

interface ScaleSetInternal {
  spec: ScaleSetSpec;
  /** Instance ids are never reused, as in Azure: the next one handed out. */
  nextInstanceId: number;
  createdAt: string;
}

export interface InstanceSpec {
  instanceId: number;
  computerName: string;
  /** NIC resource ids of the instance, primary first. */
  nicIds: string[];
  /** What the owner of the scale set keeps about the instance (never on the wire). */
  data?: Record<string, unknown>;
}

function nicConfigurations(spec: ScaleSetSpec): Wire[] {
  return [
    {
      name: spec.nicName,
      properties: {
        primary: true,
        enableAcceleratedNetworking: false,
        disableTcpStateTracking: false,
        ...(spec.networkSecurityGroupId ? { networkSecurityGroup: { id: spec.networkSecurityGroupId } } : {}),
        dnsSettings: { dnsServers: [] },
        enableIPForwarding: spec.enableIPForwarding,
        ipConfigurations: spec.ipConfigurations.map((c) => ({
          name: c.name,
          properties: {
            primary: c.primary,
            subnet: { id: c.subnetId },
            privateIPAddressVersion: "IPv4",
            ...(c.publicIPAddressConfiguration
              ? { publicIPAddressConfiguration: c.publicIPAddressConfiguration }
              : {}),
            ...(c.applicationSecurityGroupIds?.length
              ? { applicationSecurityGroups: c.applicationSecurityGroupIds.map((id) => ({ id })) }
              : {}),
            loadBalancerBackendAddressPools: (c.loadBalancerBackendAddressPoolIds ?? []).map((id) => ({
              id,
            })),
          },
        })),
      },
    },
  ];
}

function identityWire(spec: ScaleSetSpec): Wire | undefined {
  if (!spec.identities || Object.keys(spec.identities).length === 0) return undefined;
  return { type: "UserAssigned", userAssignedIdentities: spec.identities };
}

function scaleSetWire(spec: ScaleSetSpec, internal: ScaleSetInternal): Wire {
  const ref = parseResourceId(spec.id);
  const identity = identityWire(spec);
  return {
    id: spec.id,
    name: lastName(ref),
    type: VMSS_TYPE,
    location: spec.location,
    tags: spec.tags,
    ...(spec.zones?.length ? { zones: spec.zones } : {}),
    sku: { name: spec.vmSize, tier: "Standard", capacity: spec.capacity },
    ...(identity ? { identity } : {}),
    properties: {
      singlePlacementGroup: false,
      orchestrationMode: "Uniform",
      upgradePolicy: { mode: "Manual" },
      virtualMachineProfile: {
        osProfile: {
          computerNamePrefix: spec.computerNamePrefix,
          adminUsername: spec.adminUsername,
          ...(spec.osType === "Linux"
            ? { linuxConfiguration: { disablePasswordAuthentication: true, provisionVMAgent: true } }
            : { windowsConfiguration: { provisionVMAgent: true, enableAutomaticUpdates: false } }),
          secrets: [],
          allowExtensionOperations: true,
        },
        storageProfile: {
          osDisk: {
            osType: spec.osType,
            createOption: "FromImage",
            caching: "ReadOnly",
            managedDisk: { storageAccountType: "Premium_LRS" },
            diskSizeGB: 128,
          },
        },
        networkProfile: { networkInterfaceConfigurations: nicConfigurations(spec) },
      },
      provisioningState: "Succeeded",
      overprovision: false,
      doNotRunExtensionsOnOverprovisionedVMs: false,
      uniqueId: stableGuid("vmss", spec.id),
      platformFaultDomainCount: 1,
      timeCreated: internal.createdAt,
    },
  };
}

function instanceId(vmssId: string, n: number): string {
  return `${vmssId}/virtualMachines/${n}`;
}

function instanceWire(spec: ScaleSetSpec, inst: InstanceSpec): Wire {
  const vmssName = lastName(parseResourceId(spec.id));
  const id = instanceId(spec.id, inst.instanceId);
  const identity = identityWire(spec);
  return {
    id,
    name: `${vmssName}_${inst.instanceId}`,
    type: VMSS_VM_TYPE,
    location: spec.location,
    tags: spec.tags,
    instanceId: String(inst.instanceId),
    sku: { name: spec.vmSize, tier: "Standard" },
    ...(identity ? { identity } : {}),
    properties: {
      latestModelApplied: true,
      modelDefinitionApplied: "VirtualMachineScaleSet",
      vmId: stableGuid("vm", id),
      hardwareProfile: { vmSize: spec.vmSize },
      osProfile: {
        computerName: inst.computerName,
        adminUsername: spec.adminUsername,
        secrets: [],
        allowExtensionOperations: true,
        requireGuestProvisionSignal: true,
      },
      networkProfile: {
        networkInterfaces: inst.nicIds.map((nicId, i) => ({ id: nicId, properties: { primary: i === 0 } })),
      },
      networkProfileConfiguration: { networkInterfaceConfigurations: nicConfigurations(spec) },
      provisioningState: "Succeeded",
    },
  };
}

async function scaleSetRecord(ctx: ArmContext, id: string): Promise<ResourceRecord | undefined> {
  const rec = await ctx.tx.getResource(id);
  return rec && rec.type.toLowerCase() === VMSS_TYPE.toLowerCase() ? rec : undefined;
}

/** Creates or updates a scale set's model (capacity included); instances are separate. */
export async function putScaleSet(ctx: ArmContext, spec: ScaleSetSpec, managedBy?: string): Promise<void> {
  const existing = await scaleSetRecord(ctx, spec.id);
  const prev = existing?.internal as ScaleSetInternal | undefined;
  const internal: ScaleSetInternal = {
    spec,
    nextInstanceId: prev?.nextInstanceId ?? 0,
    createdAt: prev?.createdAt ?? ctx.now.toISOString(),
  };
  const ref = parseResourceId(spec.id);
  await ctx.tx.putResource({
    id: existing?.id ?? spec.id,
    type: VMSS_TYPE,
    subscriptionId: ref.subscriptionId,
    resourceGroup: ref.resourceGroup,
    body: { ...scaleSetWire(spec, internal), ...(managedBy ? { managedBy } : {}) },
    internal: internal as unknown as Record<string, unknown>,
    etag: newGuid(),
  });
}

/** Reserves the next `count` instance ids (monotonic, never reused). */
export async function reserveInstanceIds(ctx: ArmContext, vmssId: string, count: number): Promise<number[]> {
  const rec = await scaleSetRecord(ctx, vmssId);
  if (!rec) throw resourceNotFound(VMSS_TYPE, lastName(parseResourceId(vmssId)));
  const internal = rec.internal as unknown as ScaleSetInternal;
  const ids = Array.from({ length: count }, (_, i) => internal.nextInstanceId + i);
  internal.nextInstanceId += count;
  await ctx.tx.putResource({ ...rec, internal: internal as unknown as Record<string, unknown> });
  return ids;
}

/** Writes one instance under its scale set. */
export async function putInstance(ctx: ArmContext, vmssId: string, inst: InstanceSpec): Promise<string> {
  const rec = await scaleSetRecord(ctx, vmssId);
  if (!rec) throw resourceNotFound(VMSS_TYPE, lastName(parseResourceId(vmssId)));
  const spec = (rec.internal as unknown as ScaleSetInternal).spec;
  const id = instanceId(rec.id, inst.instanceId);
  await ctx.tx.putResource({
    id,
    type: VMSS_VM_TYPE,
    subscriptionId: rec.subscriptionId,
    resourceGroup: rec.resourceGroup,
    parentId: rec.id,
    body: instanceWire(spec, inst),
    internal: { computerName: inst.computerName, nicIds: inst.nicIds, data: inst.data },
    etag: newGuid(),
  });
  return id;
}

export async function deleteInstance(ctx: ArmContext, vmssId: string, n: number): Promise<void> {
  await ctx.tx.deleteResource(instanceId(vmssId, n));
}

export interface InstanceInfo {
  id: string;
  instanceId: number;
  computerName: string;
  nicIds: string[];
  data?: Record<string, unknown>;
}

/** Instances of a scale set, in instance-id order. */
export async function listInstances(ctx: ArmContext, vmssId: string): Promise<InstanceInfo[]> {
  const recs = await ctx.tx.listResources({ type: VMSS_VM_TYPE, parentId: vmssId });
  return recs
    .map((r) => ({
      id: r.id,
      instanceId: Number(r.body.instanceId),
      computerName: String((r.internal as { computerName: string }).computerName),
      nicIds: (r.internal as { nicIds: string[] }).nicIds,
      data: (r.internal as { data?: Record<string, unknown> }).data,
    }))
    .sort((a, b) => a.instanceId - b.instanceId);
}

/** Removes a scale set record and its instance records (callers release what they held). */
export async function deleteScaleSet(ctx: ArmContext, vmssId: string): Promise<void> {
  for (const r of await ctx.tx.listResourcesUnder(`${vmssId}/`)) await ctx.tx.deleteResource(r.id);
  await ctx.tx.deleteResource(vmssId);
}

export const virtualMachineScaleSets: ResourceTypeHandler = {
  type: VMSS_TYPE,
  apiVersions: COMPUTE_API_VERSIONS,
  scope: "resourceGroup",
  // Before NICs, load balancers and subnets: instances hold their addresses.
  cascadeOrder: 50,

  async get(ctx, ref) {
    await requireResourceGroup(ctx, ref);
    const rec = await scaleSetRecord(ctx, buildId(ref));
    if (!rec) throw resourceNotFound(VMSS_TYPE, lastName(ref), ref.resourceGroup);
    return rec.body;
  },

  async list(ctx, coll) {
    return (await listRecords(ctx, coll)).map((r) => r.body);
  },

  async purge(ctx, ref) {
    // Owners of a scale set's allocations are its instance ids (see containerservice).
    const id = buildId(ref);
    const hooks = purgeHooks.slice();
    for (const inst of await listInstances(ctx, id)) for (const h of hooks) await h(ctx, inst);
    await deleteScaleSet(ctx, id);
  },
};

export const virtualMachineScaleSetVMs: ResourceTypeHandler = {
  type: VMSS_VM_TYPE,
  apiVersions: COMPUTE_API_VERSIONS,
  scope: "resourceGroup",

  async get(ctx, ref) {
    await requireResourceGroup(ctx, ref);
    const rec = await ctx.tx.getResource(buildId(ref));
    if (!rec || rec.type.toLowerCase() !== VMSS_VM_TYPE.toLowerCase())
      throw resourceNotFound(
        VMSS_TYPE,
        `${ref.names[0]}/virtualMachines/${lastName(ref)}`,
        ref.resourceGroup,
      );
    return rec.body;
  },

  async list(ctx, coll) {
    await requireResourceGroup(ctx, coll);
    const parent = buildId({ ...coll, types: coll.types.slice(0, -1), names: coll.names });
    if (!(await scaleSetRecord(ctx, parent)))
      throw resourceNotFound(VMSS_TYPE, coll.names[0], coll.resourceGroup);
    return (await ctx.tx.listResources({ type: VMSS_VM_TYPE, parentId: parent }))
      .sort((a, b) => Number(a.body.instanceId) - Number(b.body.instanceId))
      .map((r) => r.body);
  },
};

/** Called for each instance when a scale set is purged (e.g. its resource group deleted). */
export type InstancePurgeHook = (ctx: ArmContext, inst: InstanceInfo) => Promise<void>;
const purgeHooks: InstancePurgeHook[] = [];
export function onInstancePurge(hook: InstancePurgeHook): void {
  purgeHooks.push(hook);
}
