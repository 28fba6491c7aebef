// Microsoft.Network's view of scale set instances, served under Microsoft.Compute paths
// (Network spec `vmssPublicIpAddress.json` / `vmssNetworkInterface.json`, api-version pinned
// to 2018-10-01 — what `az vmss list-instance-public-ips` and `@azure/arm-network` send):
//   GET …/virtualMachineScaleSets/{vmss}/publicipaddresses
//   GET …/virtualMachines/{i}/networkInterfaces/{nic}/ipconfigurations/{ipcfg}/publicipaddresses[/{name}]
//   GET …/virtualMachineScaleSets/{vmss}/networkInterfaces, …/virtualMachines/{i}/networkInterfaces[/{nic}]
// An instance public IP is listed with the VMSS-style id
// `…/ipConfigurations/{ipcfg}/publicIPAddresses/{config name}`; its data (address, prefix, IP
// tags) is the real public IP attached to that ip configuration.
import { requireResourceGroup } from "../common.js";
import type { ArmContext } from "../context.js";
import { resourceNotFound } from "../errors.js";
import { buildId, type CollectionRef, type ResourceRef } from "../ids.js";
import {
  effectiveNetworkSecurityGroups,
  effectiveRouteTable,
  type NicView,
  nicAnswer,
} from "../network/effective.js";
import { publicIPsHeldBy, subnetAddressesHeldBy } from "../network/publicIPHolders.js";
import type { ResourceTypeHandler, Wire } from "../registry.js";
import { type InstanceInfo, listInstances, type ScaleSetSpec, VMSS_TYPE } from "./scaleSets.js";

/**
 * The Network spec pins these operations' api-version parameter (`ApiVersionVmssParameter`);
 * 2016-03-30 is what az 2.45 sends on its 2020-09-01-hybrid profile (`az vmss nic list`).
 */
export const VMSS_NETWORK_API_VERSIONS = ["2018-10-01", "2017-03-30", "2016-03-30"] as const;

/** The model of a scale set as its owner last wrote it. */
export async function scaleSetSpecOf(ctx: ArmContext, vmssId: string): Promise<ScaleSetSpec | undefined> {
  const rec = await ctx.tx.getResource(vmssId);
  if (!rec || rec.type.toLowerCase() !== VMSS_TYPE.toLowerCase()) return undefined;
  return (rec.internal as { spec?: ScaleSetSpec } | undefined)?.spec;
}

interface ScaleSetView {
  spec: ScaleSetSpec;
  instances: InstanceInfo[];
}

async function requireScaleSet(
  ctx: ArmContext,
  ref: { subscriptionId: string; resourceGroup?: string; names: string[] },
): Promise<ScaleSetView> {
  await requireResourceGroup(ctx, ref);
  const id = buildId({
    subscriptionId: ref.subscriptionId,
    resourceGroup: ref.resourceGroup,
    namespace: "Microsoft.Compute",
    types: ["virtualMachineScaleSets"],
    names: [ref.names[0]],
  });
  const spec = await scaleSetSpecOf(ctx, id);
  if (!spec) throw resourceNotFound(VMSS_TYPE, ref.names[0], ref.resourceGroup);
  return { spec, instances: await listInstances(ctx, spec.id) };
}

const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function notFound(ref: { resourceGroup?: string; names: string[] }): Error {
  return resourceNotFound(VMSS_TYPE, ref.names.join("/"), ref.resourceGroup);
}

/** The instance and NIC a path names (`names` = [vmss, instance, nic, …]). */
function findNic(view: ScaleSetView, ref: { resourceGroup?: string; names: string[] }) {
  const inst = view.instances.find((i) => String(i.instanceId) === ref.names[1]);
  const nicId = inst?.nicIds.find((n) => eq(n.split("/").pop() ?? "", ref.names[2]));
  if (!inst || !nicId) throw notFound(ref);
  return { inst, nicId };
}

/** Instance public IPs of one ip configuration, VMSS-style. */
async function ipConfigPublicIPs(ctx: ArmContext, spec: ScaleSetSpec, cfgId: string, cfgName: string) {
  const template = spec.ipConfigurations.find((c) => eq(c.name, cfgName));
  const pipConfig = template?.publicIPAddressConfiguration;
  if (!pipConfig) return [];
  const name = String(pipConfig.name ?? "pub1");
  return (await publicIPsHeldBy(ctx, cfgId)).map((real) => {
    const props = { ...((real.properties as Wire | undefined) ?? {}) };
    props.ipConfiguration = { id: cfgId };
    return {
      name,
      id: `${cfgId}/publicIPAddresses/${name}`,
      ...(real.etag ? { etag: real.etag } : {}),
      ...(real.sku ? { sku: real.sku } : {}),
      properties: props,
    } as Wire;
  });
}

async function instancePublicIPs(ctx: ArmContext, view: ScaleSetView): Promise<Wire[]> {
  const out: Wire[] = [];
  const withPip = view.spec.ipConfigurations.filter((c) => c.publicIPAddressConfiguration);
  for (const inst of view.instances)
    for (const nicId of inst.nicIds)
      for (const c of withPip)
        out.push(...(await ipConfigPublicIPs(ctx, view.spec, `${nicId}/ipConfigurations/${c.name}`, c.name)));
  return out;
}

/** A scale set instance NIC in Network's NetworkInterface shape. */
async function nicWire(
  ctx: ArmContext,
  spec: ScaleSetSpec,
  inst: InstanceInfo,
  nicId: string,
): Promise<Wire> {
  const configs: Wire[] = [];
  for (const c of spec.ipConfigurations) {
    const cfgId = `${nicId}/ipConfigurations/${c.name}`;
    const [addr] = await subnetAddressesHeldBy(ctx, cfgId);
    const [pip] = await ipConfigPublicIPs(ctx, spec, cfgId, c.name);
    configs.push({
      name: c.name,
      id: cfgId,
      properties: {
        provisioningState: "Succeeded",
        ...(addr ? { privateIPAddress: addr.address } : {}),
        privateIPAllocationMethod: "Dynamic",
        subnet: { id: c.subnetId },
        primary: c.primary,
        privateIPAddressVersion: "IPv4",
        ...(pip ? { publicIPAddress: { id: pip.id } } : {}),
        ...(c.applicationSecurityGroupIds?.length
          ? { applicationSecurityGroups: c.applicationSecurityGroupIds.map((id) => ({ id })) }
          : {}),
        loadBalancerBackendAddressPools: (c.loadBalancerBackendAddressPoolIds ?? []).map((id) => ({ id })),
      },
    });
  }
  return {
    name: nicId.split("/").pop(),
    id: nicId,
    location: spec.location,
    properties: {
      provisioningState: "Succeeded",
      virtualMachine: { id: inst.id },
      ipConfigurations: configs,
      ...(spec.networkSecurityGroupId ? { networkSecurityGroup: { id: spec.networkSecurityGroupId } } : {}),
      dnsSettings: { dnsServers: [], appliedDnsServers: [] },
      enableAcceleratedNetworking: false,
      enableIPForwarding: spec.enableIPForwarding,
      primary: inst.nicIds[0] === nicId,
    },
  };
}

const readOnly = {
  apiVersions: VMSS_NETWORK_API_VERSIONS,
  scope: "resourceGroup" as const,
};

/** `…/virtualMachineScaleSets/{vmss}/publicipaddresses` (list only). */
export const scaleSetPublicIPAddresses: ResourceTypeHandler = {
  ...readOnly,
  type: `${VMSS_TYPE}/publicIPAddresses`,
  async list(ctx, coll: CollectionRef) {
    return instancePublicIPs(ctx, await requireScaleSet(ctx, coll));
  },
};

/** `…/virtualMachines/{i}/networkInterfaces/{nic}/ipconfigurations/{ipcfg}/publicipaddresses[/{name}]`. */
export const scaleSetVMPublicIPAddresses: ResourceTypeHandler = {
  ...readOnly,
  type: `${VMSS_TYPE}/virtualMachines/networkInterfaces/ipConfigurations/publicIPAddresses`,
  async list(ctx, coll: CollectionRef) {
    const view = await requireScaleSet(ctx, coll);
    const { nicId } = findNic(view, coll);
    return ipConfigPublicIPs(ctx, view.spec, `${nicId}/ipConfigurations/${coll.names[3]}`, coll.names[3]);
  },
  async get(ctx, ref: ResourceRef) {
    const view = await requireScaleSet(ctx, ref);
    const { nicId } = findNic(view, ref);
    const all = await ipConfigPublicIPs(
      ctx,
      view.spec,
      `${nicId}/ipConfigurations/${ref.names[3]}`,
      ref.names[3],
    );
    const hit = all.find((p) => eq(String(p.name), ref.names[4]));
    if (!hit) throw notFound(ref);
    return hit;
  },
};

/** `…/virtualMachineScaleSets/{vmss}/networkInterfaces` (every instance's NICs). */
export const scaleSetNetworkInterfaces: ResourceTypeHandler = {
  ...readOnly,
  type: `${VMSS_TYPE}/networkInterfaces`,
  async list(ctx, coll: CollectionRef) {
    const view = await requireScaleSet(ctx, coll);
    const out: Wire[] = [];
    for (const inst of view.instances)
      for (const nicId of inst.nicIds) out.push(await nicWire(ctx, view.spec, inst, nicId));
    return out;
  },
};

/** `…/virtualMachines/{i}/networkInterfaces[/{nic}]`. */
export const scaleSetVMNetworkInterfaces: ResourceTypeHandler = {
  ...readOnly,
  type: `${VMSS_TYPE}/virtualMachines/networkInterfaces`,
  async list(ctx, coll: CollectionRef) {
    const view = await requireScaleSet(ctx, coll);
    const inst = view.instances.find((i) => String(i.instanceId) === coll.names[1]);
    if (!inst) throw notFound(coll);
    const out: Wire[] = [];
    for (const nicId of inst.nicIds) out.push(await nicWire(ctx, view.spec, inst, nicId));
    return out;
  },
  async get(ctx, ref: ResourceRef) {
    const view = await requireScaleSet(ctx, ref);
    const { inst, nicId } = findNic(view, ref);
    return nicWire(ctx, view.spec, inst, nicId);
  },
};

/** A scale set instance NIC as the effective-route/NSG answers see it (its primary ip configuration). */
function instanceNicView(spec: ScaleSetSpec, nicId: string): NicView {
  const primary = spec.ipConfigurations.find((c) => c.primary) ?? spec.ipConfigurations[0];
  return {
    nicId,
    subnetId: primary?.subnetId ?? "",
    ...(spec.networkSecurityGroupId ? { nsgId: spec.networkSecurityGroupId } : {}),
  };
}

/** Addresses of every scale set instance ip configuration in an ASG, by lower-cased ASG id. */
async function scaleSetAsgMembers(ctx: ArmContext): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const rec of await ctx.tx.listResources({ type: VMSS_TYPE, subscriptionId: ctx.subscriptionId })) {
    const spec = (rec.internal as { spec?: ScaleSetSpec } | undefined)?.spec;
    const inAsg = spec?.ipConfigurations.filter((c) => c.applicationSecurityGroupIds?.length) ?? [];
    if (!spec || !inAsg.length) continue;
    for (const inst of await listInstances(ctx, spec.id))
      for (const nicId of inst.nicIds)
        for (const c of inAsg)
          for (const a of await subnetAddressesHeldBy(ctx, `${nicId}/ipConfigurations/${c.name}`))
            for (const asg of c.applicationSecurityGroupIds ?? []) {
              const list = out.get(asg.toLowerCase()) ?? [];
              list.push(a.address);
              out.set(asg.toLowerCase(), list);
            }
  }
  return out;
}

// Network Watcher's answers for an AKS node's NIC, at the instance NIC's path (the Network spec
// documents them for Microsoft.Network NICs only; the portal asks them of scale set instances too).
scaleSetVMNetworkInterfaces.actions = {
  async effectiveroutetable(ctx, ref) {
    const view = await requireScaleSet(ctx, ref);
    const { nicId } = findNic(view, ref);
    return nicAnswer(ctx, instanceNicView(view.spec, nicId), view.spec.location, effectiveRouteTable);
  },
  async effectivenetworksecuritygroups(ctx, ref) {
    const view = await requireScaleSet(ctx, ref);
    const { nicId } = findNic(view, ref);
    const members = await scaleSetAsgMembers(ctx);
    return nicAnswer(ctx, instanceNicView(view.spec, nicId), view.spec.location, (c, n) =>
      effectiveNetworkSecurityGroups(c, n, members),
    );
  },
};

export const scaleSetNetworkHandlers: ResourceTypeHandler[] = [
  scaleSetPublicIPAddresses,
  scaleSetVMPublicIPAddresses,
  scaleSetNetworkInterfaces,
  scaleSetVMNetworkInterfaces,
];
