// The command tree. Groups are listed here with their summaries so that resolving a command
// line loads exactly one command module (keeps `aksnet az …` start-up lean).

import type { CommandTable } from "./types.js";

type Loader = () => Promise<{ COMMANDS: CommandTable }>;

const account: Loader = () => import("./commands/account.js");
const group: Loader = () => import("./commands/group.js");
const vnet: Loader = () => import("./commands/network-vnet.js");
const publicIp: Loader = () => import("./commands/network-public-ip.js");
const nsg: Loader = () => import("./commands/network-nsg.js");
const asg: Loader = () => import("./commands/network-asg.js");
const routeTable: Loader = () => import("./commands/network-route-table.js");
const lb: Loader = () => import("./commands/network-lb.js");
const natGateway: Loader = () => import("./commands/network-nat.js");
const nic: Loader = () => import("./commands/network-nic.js");
const identity: Loader = () => import("./commands/identity.js");
const role: Loader = () => import("./commands/role.js");
const aks: Loader = () => import("./commands/aks.js");
const nodepool: Loader = () => import("./commands/aks-nodepool.js");
const vmss: Loader = () => import("./commands/vmss.js");
const feature: Loader = () => import("./commands/feature.js");
const provider: Loader = () => import("./commands/provider.js");
const extension: Loader = () => import("./commands/extension.js");

export interface GroupEntry {
  summary: string;
  load?: Loader;
}

export const GROUPS: Record<string, GroupEntry> = {
  account: { summary: "Manage Azure subscription information.", load: account },
  group: { summary: "Manage resource groups and template deployments.", load: group },
  network: { summary: "Manage Azure Network resources." },
  "network vnet": { summary: "Manage Azure Virtual Networks.", load: vnet },
  "network vnet subnet": { summary: "Manage subnets in an Azure Virtual Network.", load: vnet },
  "network public-ip": { summary: "Manage public IP addresses.", load: publicIp },
  "network public-ip prefix": { summary: "Manage public IP prefix resources.", load: publicIp },
  "network nsg": { summary: "Manage Azure Network Security Groups (NSGs).", load: nsg },
  "network nsg rule": { summary: "Manage network security group rules.", load: nsg },
  "network asg": { summary: "Manage application security groups (ASGs).", load: asg },
  "network route-table": { summary: "Manage route tables.", load: routeTable },
  "network route-table route": { summary: "Manage routes in a route table.", load: routeTable },
  "network lb": { summary: "Manage and configure load balancers.", load: lb },
  "network nat": { summary: "Commands to manage NAT resources." },
  "network nat gateway": { summary: "Commands to manage NAT gateways.", load: natGateway },
  "network nic": { summary: "Manage network interfaces.", load: nic },
  identity: { summary: "Managed Identities.", load: identity },
  role: { summary: "Manage Azure role-based access control (Azure RBAC)." },
  "role assignment": { summary: "Manage role assignments.", load: role },
  aks: { summary: "Manage Azure Kubernetes Services.", load: aks },
  "aks nodepool": {
    summary: "Commands to manage node pools in Kubernetes kubernetes cluster.",
    load: nodepool,
  },
  vmss: {
    summary: "Manage groupings of virtual machines in an Azure Virtual Machine Scale Set (VMSS).",
    load: vmss,
  },
  "vmss nic": { summary: "Manage network interfaces of a VMSS.", load: vmss },
  feature: { summary: "Manage resource provider features.", load: feature },
  provider: { summary: "Manage resource providers.", load: provider },
  extension: { summary: "Manage and update CLI extensions.", load: extension },
};

/** Commands that sit directly under `az`. */
export const ROOT_COMMANDS: Record<string, GroupEntry & { load: Loader }> = {
  login: { summary: "Log in to Azure.", load: account },
  logout: { summary: "Log out to remove access to Azure subscriptions.", load: account },
  configure: { summary: "Manage Azure CLI configuration.", load: () => import("./commands/configure.js") },
};
