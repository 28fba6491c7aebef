// Shared by the node-networking e2e files (node public IPs, host ports, gateway pools):
// feature registration, pool bodies, and an ownership audit of every public address read
// straight from the emulator's store.

import type { AgentPool } from "@azure/arm-containerservice";
import { FeatureClient } from "@azure/arm-features";
import type { Clients } from "./aks-helpers.js";

export async function registerFeature(c: Clients, name: string): Promise<void> {
  const f = new FeatureClient(c.emu.credential, c.emu.subscriptionId, c.emu.clientOptions);
  await f.features.register("Microsoft.ContainerService", name);
}

export async function unregisterFeature(c: Clients, name: string): Promise<void> {
  const f = new FeatureClient(c.emu.credential, c.emu.subscriptionId, c.emu.clientOptions);
  await f.features.unregister("Microsoft.ContainerService", name);
}

export const pool = (p: Partial<AgentPool>): AgentPool => ({
  count: 1,
  vmSize: "Standard_DS2_v2",
  osType: "Linux",
  mode: "User",
  ...p,
});

/** Every node public IP of a scale set, through `listVirtualMachineScaleSetPublicIPAddresses`. */
export async function vmssPublicIPs(c: Clients, rg: string, vmss: string) {
  const out: { id: string; name: string; ip: string; prefix?: string; holder?: string; tags: unknown }[] = [];
  for await (const p of c.net.publicIPAddresses.listVirtualMachineScaleSetPublicIPAddresses(rg, vmss))
    out.push({
      id: p.id ?? "",
      name: p.name ?? "",
      ip: p.ipAddress ?? "",
      prefix: p.publicIPPrefix?.id,
      holder: p.ipConfiguration?.id,
      tags: p.ipTags,
    });
  return out;
}

export interface Audit {
  /** Problems found; empty when every address has exactly one live owner. */
  problems: string[];
  nodePips: number;
  prefixRows: number;
}

/**
 * Checks ownership of every public address in the store: each prefix row and each pool row
 * is owned by an existing public IP / prefix holding exactly that address; every node public
 * IP is attached to the primary ip configuration of a live instance, and every instance of a
 * pool with node public IPs holds exactly one.
 */
export async function auditPublicAddresses(c: Clients): Promise<Audit> {
  return c.emu.store.transaction(async (tx) => {
    const problems: string[] = [];
    const sub = c.emu.subscriptionId;
    const pips = await tx.listResources({ type: "Microsoft.Network/publicIPAddresses", subscriptionId: sub });
    const prefixes = await tx.listResources({
      type: "Microsoft.Network/publicIPPrefixes",
      subscriptionId: sub,
    });
    const seen = new Map<string, string>();
    let prefixRows = 0;
    for (const p of pips) {
      const props = p.body.properties as { ipAddress: string; publicIPPrefix?: { id: string } };
      const other = seen.get(props.ipAddress);
      if (other) problems.push(`${props.ipAddress} shown by ${other} and ${p.id}`);
      seen.set(props.ipAddress, p.id);
      const rows = await tx.listAllocationsByOwner(p.id);
      const addrRows = rows.filter((r) => r.pool.startsWith("prefix:") || r.pool.startsWith("public:"));
      if (addrRows.length !== 1 || addrRows[0].item !== props.ipAddress)
        problems.push(`${p.id} holds ${JSON.stringify(addrRows)} for ${props.ipAddress}`);
    }
    for (const pre of prefixes) {
      const rows = await tx.listAllocations(`prefix:${pre.id.toLowerCase()}`);
      prefixRows += rows.length;
      for (const r of rows) {
        const owner = await tx.getResource(r.owner);
        if (!owner) problems.push(`prefix ${pre.id} address ${r.item} owned by missing ${r.owner}`);
      }
    }
    for (const r of await tx.listAllocations("public:IPv4")) {
      const owner = await tx.getResource(r.owner);
      if (!owner) problems.push(`public address ${r.item} owned by missing ${r.owner}`);
    }
    // Node public IPs ↔ live instances.
    let nodePips = 0;
    const held = new Set<string>();
    for (const p of pips) {
      const tags = (p.body.tags ?? {}) as Record<string, string>;
      if (tags["aks-managed-type"] !== "aks-node-public-ip") continue;
      nodePips++;
      const holders = await tx.listAllocations(`pipattach:${p.id.toLowerCase()}`);
      if (holders.length !== 1) {
        problems.push(`node public IP ${p.id} has ${holders.length} holders`);
        continue;
      }
      const vmId = holders[0].owner.replace(/\/networkInterfaces\/.*$/i, "");
      if (!(await tx.getResource(vmId))) problems.push(`node public IP ${p.id} held by missing ${vmId}`);
      held.add(vmId.toLowerCase());
    }
    const vms = await tx.listResources({
      type: "Microsoft.Compute/virtualMachineScaleSets/virtualMachines",
      subscriptionId: sub,
    });
    for (const vm of vms) {
      const vmss = await tx.getResource(vm.parentId ?? "");
      const spec = (
        vmss?.internal as { spec?: { ipConfigurations: { publicIPAddressConfiguration?: unknown }[] } }
      )?.spec;
      const wantsPip = spec?.ipConfigurations.some((x) => x.publicIPAddressConfiguration) ?? false;
      if (wantsPip !== held.has(vm.id.toLowerCase()))
        problems.push(`instance ${vm.id} ${wantsPip ? "lacks" : "should not hold"} a node public IP`);
    }
    return { problems, nodePips, prefixRows };
  });
}
