// az vmss list|show|list-instance-public-ips and az vmss nic list|list-vm-nics|show (scale sets
// AKS creates in the node resource group; their NICs are Microsoft.Network's view of them).

import { API, idFlags, providerPath, rgFlag, targetsFromArgs } from "../common.js";
import type { Json } from "../output.js";
import { isObject } from "../output.js";
import { flag } from "../parser.js";
import { listCommand } from "../resource.js";
import type { CommandTable, Ctx } from "../types.js";

const NS = "Microsoft.Compute";

/**
 * az's get_vmss_table_output_transformer: `{Name:name, ResourceGroup:resourceGroup,
 * Location:location, Zones: (!zones && ' ') || join(' ', zones), Capacity:sku.capacity,
 * Overprovision:overprovision, UpgradePolicy:upgradePolicy.mode}`.
 */
const vmssRow = (r: Json): Json => {
  const o = isObject(r) ? r : {};
  const zones = Array.isArray(o.zones) && o.zones.length ? o.zones.map(String).join(" ") : " ";
  const sku = isObject(o.sku) ? o.sku : {};
  const upgrade = isObject(o.upgradePolicy) ? o.upgradePolicy : {};
  return {
    Name: o.name ?? null,
    ResourceGroup: o.resourceGroup ?? null,
    Location: o.location ?? null,
    Zones: zones,
    Capacity: sku.capacity ?? null,
    Overprovision: o.overprovision ?? null,
    UpgradePolicy: upgrade.mode ?? null,
  };
};

/** `--vmss-name` and `-g`: the scale set whose NICs `az vmss nic …` reads. */
const vmssNicFlags = () => [
  rgFlag(),
  flag("--vmss-name --virtual-machine-scale-set-name", "Scale set name.", { required: true }),
];

function vmssPath(ctx: Ctx, sub: string, nameDest: string): string {
  return providerPath(
    sub,
    String(ctx.args.str("resourceGroup")),
    NS,
    "virtualMachineScaleSets",
    String(ctx.args.str(nameDest)),
  );
}

export const COMMANDS: CommandTable = {
  "vmss list": listCommand(
    {
      namespace: NS,
      types: ["virtualMachineScaleSets"],
      apiVersion: API.compute,
      style: "sdk",
      label: "scale set",
      listBySubscription: true,
      table: vmssRow,
    },
    "List VMSS.",
  ),
  "vmss show": {
    summary: "Get details on VMs within a VMSS.",
    table: vmssRow,
    flags: [
      ...idFlags("Scale set name."),
      flag("--instance-id", "VM instance ID. If missing, show the VMSS."),
    ],
    run: async (ctx) => {
      const arm = await ctx.arm();
      const sub = await ctx.subscription();
      const [t] = targetsFromArgs(ctx, ["name"]);
      let path = providerPath(t.sub ?? sub, t.rg, NS, "virtualMachineScaleSets", t.names[0]);
      const instance = ctx.args.str("instanceId");
      if (instance) path += `/virtualMachines/${encodeURIComponent(instance)}`;
      return arm.get(path, API.compute);
    },
  },
  "vmss list-instance-public-ips": {
    summary: "List public IP addresses of VM instances within a set.",
    flags: [rgFlag(), flag("--name -n", "Scale set name.", { required: true })],
    examples: [
      {
        title: "List the node public IPs of an AKS node pool.",
        command:
          "az vmss list-instance-public-ips -g MC_MyResourceGroup_MyManagedCluster_eastus -n aks-nodepool1-12345678-vmss",
      },
    ],
    run: async (ctx) => {
      const arm = await ctx.arm();
      const sub = await ctx.subscription();
      const path = vmssPath(ctx, sub, "name");
      // az reads the scale set first (a missing one is a ResourceNotFound, not an empty list).
      await arm.get(path, API.compute);
      const ips = await arm.list(`${path}/publicipaddresses`, API.vmssPublicIps);
      // Entries without an address are dropped, as az does.
      return ips.filter((ip) => {
        const p = (ip.properties ?? ip) as Record<string, unknown>;
        return Boolean(p.ipAddress);
      });
    },
  },
  // az's vm module reads these through the Network SDK (snake_case models, flattened properties).
  "vmss nic list": {
    summary: "Get all network interfaces in a virtual machine scale set.",
    style: "sdk",
    flags: vmssNicFlags(),
    run: async (ctx) => {
      const arm = await ctx.arm();
      const path = vmssPath(ctx, await ctx.subscription(), "vmssName");
      return arm.list(`${path}/networkInterfaces`, API.vmssPublicIps);
    },
  },
  "vmss nic list-vm-nics": {
    summary:
      "Get information about all network interfaces in a virtual machine in a virtual machine scale set.",
    style: "sdk",
    flags: [
      ...vmssNicFlags(),
      flag("--instance-id --virtualmachine-index", "The virtual machine index.", { required: true }),
    ],
    run: async (ctx) => {
      const arm = await ctx.arm();
      const path = vmssPath(ctx, await ctx.subscription(), "vmssName");
      const instance = encodeURIComponent(String(ctx.args.str("instanceId")));
      return arm.list(`${path}/virtualMachines/${instance}/networkInterfaces`, API.vmssPublicIps);
    },
  },
  "vmss nic show": {
    summary: "Get the specified network interface in a virtual machine scale set.",
    style: "sdk",
    flags: [
      ...vmssNicFlags(),
      flag("--instance-id --virtualmachine-index", "The virtual machine index.", { required: true }),
      flag("--name -n --network-interface-name", "The network interface (NIC).", { required: true }),
    ],
    run: async (ctx) => {
      const arm = await ctx.arm();
      const path = vmssPath(ctx, await ctx.subscription(), "vmssName");
      const instance = encodeURIComponent(String(ctx.args.str("instanceId")));
      const nic = encodeURIComponent(String(ctx.args.str("name")));
      return arm.get(`${path}/virtualMachines/${instance}/networkInterfaces/${nic}`, API.vmssPublicIps);
    },
  },
};
