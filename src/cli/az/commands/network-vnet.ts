// az network vnet create|show|list|delete and az network vnet subnet create|show|list|update|delete.

import {
  API,
  idFlags,
  nameFlag,
  noWaitFlag,
  providerPath,
  rgFlag,
  targetsFromArgs,
  toResourceId,
} from "../common.js";
import type { Json } from "../output.js";
import { isObject } from "../output.js";
import type { ParsedArgs } from "../parser.js";
import { flag } from "../parser.js";
import { createCommand, deleteCommand, listCommand, networkKind, showCommand } from "../resource.js";
import type { CommandTable } from "../types.js";

const NS = "Microsoft.Network";
type Obj = Record<string, unknown>;

const subnetPath = (sub: string, rg: string, vnet: string, subnet: string) =>
  providerPath(sub, rg, NS, "virtualNetworks", vnet, "subnets", subnet);

const vnetNameFlag = (required = true) =>
  flag("--vnet-name", "The virtual network (VNet) name.", { required });
const vnet = networkKind(["virtualNetworks"], "virtual network", {
  nameHelp: "The virtual network (VNet) name.",
  table: (r) => vnetTable(r),
});
const subnet = networkKind(["virtualNetworks", "subnets"], "subnet", {
  nameHelp: "The subnet name.",
  parentFlags: [vnetNameFlag()],
});

/** az's default subnet prefix: the VNet prefix's network address with a /24 (or the prefix itself if smaller). */
export function defaultSubnetPrefix(vnetPrefix: string): string {
  const [ip, len] = vnetPrefix.split("/");
  const bits = Number(len);
  return Number.isFinite(bits) && bits > 24 ? vnetPrefix : `${ip}/24`;
}

function prefixProps(prefixes: string[]): Obj {
  return prefixes.length === 1 ? { addressPrefix: prefixes[0] } : { addressPrefixes: prefixes };
}

/** Applies the subnet association flags to a subnet's properties ("" detaches, as in az). */
function applySubnetFlags(props: Obj, a: ParsedArgs, sub: string, rg: string): void {
  const prefixes = a.list("addressPrefixes");
  if (prefixes?.length) {
    delete props.addressPrefix;
    delete props.addressPrefixes;
    Object.assign(props, prefixProps(prefixes));
  }
  const ref = (flagDest: string, prop: string, type: string) => {
    if (!a.has(flagDest)) return;
    const v = a.str(flagDest) ?? "";
    props[prop] = v === "" ? null : { id: toResourceId(sub, rg, v, NS, type) };
  };
  ref("networkSecurityGroup", "networkSecurityGroup", "networkSecurityGroups");
  ref("routeTable", "routeTable", "routeTables");
  ref("natGateway", "natGateway", "natGateways");
  const delegations = a.list("delegations");
  if (delegations) {
    props.delegations = delegations.map((d, i) => ({ name: String(i), properties: { serviceName: d } }));
  }
  const endpoints = a.list("serviceEndpoints");
  if (endpoints) props.serviceEndpoints = endpoints.map((service) => ({ service }));
  const dob = a.tri("defaultOutboundAccess");
  if (dob !== undefined) props.defaultOutboundAccess = dob;
  const pe = a.str("privateEndpointNetworkPolicies");
  if (pe) props.privateEndpointNetworkPolicies = pe;
}

function subnetFlags(required: boolean) {
  return [
    flag(
      "--address-prefixes --address-prefix:list",
      "Space-separated list of address prefixes in CIDR format.",
      {
        required,
        dest: "addressPrefixes",
      },
    ),
    flag("--network-security-group --nsg", "Name or ID of a network security group (NSG).", {
      dest: "networkSecurityGroup",
    }),
    flag("--route-table", "Name or ID of a route table to associate with the subnet."),
    flag("--nat-gateway", "Name or ID of a NAT gateway to attach."),
    flag("--delegations:list", "Space-separated list of services to whom the subnet should be delegated."),
    flag(
      "--service-endpoints:list",
      "Space-separated list of services allowed private access to this subnet.",
    ),
    flag(
      "--default-outbound-access --default-outbound:tri",
      "Set this property to false to disable default outbound connectivity for all VMs in the subnet.",
      {
        dest: "defaultOutboundAccess",
      },
    ),
    flag("--private-endpoint-network-policies", "Manage network policies for private endpoint.", {
      choices: ["Disabled", "Enabled", "NetworkSecurityGroupEnabled", "RouteTableEnabled"],
    }),
    noWaitFlag(),
  ];
}

const vnetTable = (r: Json): Json => {
  const one = (v: Json): Json => {
    const o = isObject(v) ? v : {};
    const space = isObject(o.addressSpace) ? o.addressSpace : {};
    const dhcp = isObject(o.dhcpOptions) ? o.dhcpOptions : {};
    const prefixes = Array.isArray(space.addressPrefixes) ? space.addressPrefixes.join(", ") : "";
    const dns = Array.isArray(dhcp.dnsServers) ? dhcp.dnsServers.join(", ") : "";
    return {
      Name: o.name ?? null,
      ResourceGroup: o.resourceGroup ?? null,
      Location: o.location ?? null,
      NumSubnets: Array.isArray(o.subnets) ? o.subnets.length : 0,
      Prefixes: prefixes || " ",
      DnsServers: dns || " ",
      DDOSProtection: o.enableDdosProtection ?? null,
      VMProtection: o.enableVmProtection ?? null,
    };
  };
  return Array.isArray(r) ? r.map(one) : one(r);
};

/** `network vnet create`'s body besides location and tags. */
function vnetBody(a: ParsedArgs, sub: string, rg: string): Obj {
  const prefixes = a.list("addressPrefixes") ?? ["10.0.0.0/16"];
  const props: Obj = { addressSpace: { addressPrefixes: prefixes } };
  const dns = a.list("dnsServers");
  if (dns) props.dhcpOptions = { dnsServers: dns };
  const subnetName = a.str("subnetName");
  if (subnetName) {
    const sp = a.list("subnetPrefixes") ?? [defaultSubnetPrefix(prefixes[0])];
    const sprops: Obj = prefixProps(sp);
    const nsg = a.str("networkSecurityGroup");
    if (nsg) sprops.networkSecurityGroup = { id: toResourceId(sub, rg, nsg, NS, "networkSecurityGroups") };
    props.subnets = [{ name: subnetName, properties: sprops }];
  }
  if (a.tri("enableEncryption") !== undefined) props.encryption = { enabled: a.tri("enableEncryption") };
  return { properties: props };
}

export const COMMANDS: CommandTable = {
  "network vnet create": createCommand(vnet, {
    summary: "Create a virtual network.",
    long: "You may also create a subnet at the same time by specifying a subnet name and (optionally) an address prefix.",
    nameHelp: "The virtual network (VNet) name.",
    flags: [
      flag("--address-prefixes:list", "Space-separated list of IP address prefixes for the VNet.", {
        default: ["10.0.0.0/16"],
      }),
      flag("--subnet-name", "Name of a new subnet to create within the VNet.", { group: "Subnet Arguments" }),
      flag(
        "--subnet-prefixes --subnet-prefix:list",
        "Space-separated list of address prefixes in CIDR format for the new subnet. If omitted, automatically reserves a /24 (or as large as available) block within the VNet address space.",
        {
          dest: "subnetPrefixes",
          group: "Subnet Arguments",
        },
      ),
      flag("--network-security-group --nsg", "Name or ID of a network security group (NSG).", {
        dest: "networkSecurityGroup",
        group: "Subnet Arguments",
      }),
      flag("--dns-servers:list", "Space-separated list of DNS server IP addresses."),
      flag("--enable-encryption:tri", "Enable encryption on the virtual network."),
    ],
    noWait: true,
    examples: [
      {
        title: "Create a virtual network with a specific address prefix and one subnet.",
        command:
          "az network vnet create -g MyResourceGroup -n MyVnet --address-prefix 10.0.0.0/16 --subnet-name MySubnet --subnet-prefixes 10.0.0.0/24",
      },
    ],
    body: vnetBody,
    wrap: "newVNet",
  }),
  "network vnet show": showCommand(vnet, undefined, { expand: true }),
  "network vnet list": listCommand(vnet, "List virtual networks."),
  "network vnet delete": deleteCommand(vnet, { noWait: true }),
  "network vnet subnet create": {
    summary: "Create a subnet and associate an existing NSG and route table.",
    style: "aaz",
    flags: [rgFlag(), vnetNameFlag(), nameFlag("The subnet name."), ...subnetFlags(true)],
    examples: [
      {
        title: "Create new subnet attached to an NSG with a custom route table.",
        command:
          "az network vnet subnet create -g MyResourceGroup --vnet-name MyVnet -n MySubnet --address-prefixes 10.0.0.0/24 --network-security-group MyNsg --route-table MyRouteTable",
      },
    ],
    run: async (ctx) => {
      const a = ctx.args;
      const arm = await ctx.arm();
      const sub = await ctx.subscription();
      const rg = String(a.str("resourceGroup"));
      const props: Obj = {};
      applySubnetFlags(props, a, sub, rg);
      for (const k of Object.keys(props)) if (props[k] === null) delete props[k];
      return arm.lro(
        "PUT",
        subnetPath(sub, rg, String(a.str("vnetName")), String(a.str("name"))),
        API.network,
        { name: a.str("name"), properties: props },
        { noWait: a.bool("noWait") },
      );
    },
  },
  "network vnet subnet update": {
    summary: "Update a subnet.",
    style: "aaz",
    flags: [...idFlags("The subnet name.", [vnetNameFlag()]), ...subnetFlags(false)],
    run: async (ctx) => {
      const a = ctx.args;
      const arm = await ctx.arm();
      const sub = await ctx.subscription();
      const [t] = targetsFromArgs(ctx, ["vnetName", "name"]);
      const path = subnetPath(t.sub ?? sub, t.rg, t.names[0], t.names[1]);
      // az updates with GET + PUT of the whole subnet.
      const current = await arm.get(path, API.network);
      const props: Obj = isObject(current.properties) ? { ...current.properties } : {};
      applySubnetFlags(props, a, t.sub ?? sub, t.rg);
      delete props.provisioningState;
      for (const k of Object.keys(props)) if (props[k] === null) delete props[k];
      return arm.lro(
        "PUT",
        path,
        API.network,
        { name: current.name, properties: props },
        { noWait: a.bool("noWait") },
      );
    },
  },
  "network vnet subnet show": showCommand(subnet, "Show details of a subnet.", { expand: true }),
  "network vnet subnet list": listCommand(subnet, "List the subnets in a virtual network."),
  "network vnet subnet delete": deleteCommand(subnet, { noWait: true }),
};
