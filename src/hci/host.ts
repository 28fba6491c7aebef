// The AKS host (management cluster): Set-AksHciConfig records its network and settings;
// Install-AksHci makes it, taking its control-plane address (+2 for updates) from the node
// pool and its API server VIP from the VIP pool — the pool's first address, as logs show.
import { containsIp, parseCidr, parseIp } from "../net/index.js";
import type { Tx } from "../store/types.js";
import { requireNodeAddresses, requireVips, takeNodeAddresses, takeVip } from "./addresses.js";
import { alreadyInstalled, HciError, invalidValue, notConfigured, notInstalled } from "./errors.js";
import {
  CONFIG_TYPE,
  configId,
  DEFAULT_CONTROL_PLANE_VM_SIZE,
  HOST_UPDATE_HEADROOM,
  type HostConfigBody,
  hostOwner,
  type NetworkSpec,
  networkId,
} from "./model.js";
import { getNetwork, networkRanges, putHostNetwork } from "./networks.js";

export interface SetConfigInput {
  vnet?: NetworkSpec;
  cloudServiceCidr?: string;
  workingDir?: string;
  cloudConfigLocation?: string;
  imageDir?: string;
  controlPlaneVmSize?: string;
  cloudLocation?: string;
  macPoolStart?: string;
  macPoolEnd?: string;
  emulateKnownIssues?: boolean;
}

export async function getConfig(tx: Tx, sub: string): Promise<HostConfigBody | undefined> {
  return (await tx.getResource(configId(sub)))?.body as unknown as HostConfigBody | undefined;
}

export async function requireInstalled(tx: Tx, sub: string): Promise<HostConfigBody> {
  const c = await getConfig(tx, sub);
  if (!c?.installed) throw notInstalled();
  return c;
}

async function putConfig(tx: Tx, sub: string, c: HostConfigBody): Promise<void> {
  await tx.putResource({
    id: configId(sub),
    type: CONFIG_TYPE,
    subscriptionId: sub,
    body: c as unknown as Record<string, unknown>,
    etag: new Date().toISOString(),
  });
}

const MAC = /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/;

/** Set-AksHciConfig. After Install-AksHci only -emulateKnownIssues may change. */
export async function setConfig(tx: Tx, sub: string, input: SetConfigInput): Promise<HostConfigBody> {
  const current = await getConfig(tx, sub);
  const others = Object.entries(input).filter(([k, v]) => k !== "emulateKnownIssues" && v !== undefined);
  if (current?.installed) {
    if (others.length) throw alreadyInstalled();
    const next = { ...current, emulateKnownIssues: input.emulateKnownIssues ?? current.emulateKnownIssues };
    await putConfig(tx, sub, next);
    return next;
  }
  if (!input.vnet) {
    if (current && !others.length) {
      const next = { ...current, emulateKnownIssues: input.emulateKnownIssues ?? current.emulateKnownIssues };
      await putConfig(tx, sub, next);
      return next;
    }
    throw invalidValue("vnet", "-vnet is required: pass the object New-AksHciNetworkSetting returns.");
  }
  if (current && current.network.toLowerCase() !== input.vnet.name.toLowerCase())
    await tx.deleteResource(networkId(sub, current.network));
  const net = await putHostNetwork(tx, sub, input.vnet);
  if (input.cloudServiceCidr !== undefined) {
    let c: ReturnType<typeof parseCidr>;
    try {
      c = parseCidr(input.cloudServiceCidr);
    } catch {
      throw invalidValue(
        "cloudServiceCidr",
        `'${input.cloudServiceCidr}' is not valid for -cloudServiceCidr: give the cloud agent's IP in CIDR form, e.g. "172.16.10.10/16".`,
      );
    }
    const agent = parseIp(input.cloudServiceCidr.split("/")[0]).value;
    const r = networkRanges(net);
    if (net.ipAllocationMethod === "static" && !containsIp(parseCidr(net.ipAddressPrefix as string), agent))
      throw invalidValue(
        "cloudServiceCidr",
        `The cloud agent address ${input.cloudServiceCidr} is not in the hosts' subnet ${net.ipAddressPrefix}.`,
      );
    for (const [pool, x] of [
      ["k8s node IP pool", r.node],
      ["VIP pool", r.vip],
    ] as const)
      if ((net.ipAllocationMethod === "static" || pool === "VIP pool") && agent >= x.first && agent <= x.last)
        throw invalidValue(
          "cloudServiceCidr",
          `The cloud agent address ${input.cloudServiceCidr} lies inside the ${pool}: it would be handed out twice.`,
        );
    void c;
  } else if (net.ipAllocationMethod === "static") {
    // WAC's wording (aksArc#128): static hosts need the cloud agent's address.
    throw invalidValue(
      "cloudServiceCidr",
      "Cloud Service IP CIDR is required when using static IP assignment.",
    );
  }
  for (const p of ["macPoolStart", "macPoolEnd"] as const) {
    const v = input[p];
    if (v !== undefined && (!MAC.test(v) || Number.parseInt(v.slice(0, 2), 16) % 2 !== 0))
      throw invalidValue(p, `'${v}' is not valid for -${p}: a MAC address whose first byte is even.`);
  }
  if ((input.macPoolStart === undefined) !== (input.macPoolEnd === undefined))
    throw invalidValue("macPoolEnd", "-macPoolStart and -macPoolEnd are given together.");
  const next: HostConfigBody = {
    network: net.name,
    ...(input.cloudServiceCidr ? { cloudServiceCidr: input.cloudServiceCidr } : {}),
    workingDir: input.workingDir ?? "C:\\AksHci",
    cloudConfigLocation: input.cloudConfigLocation ?? "C:\\wssdcloudagent",
    imageDir: input.imageDir ?? "C:\\AksHciImageStore",
    controlPlaneVmSize: input.controlPlaneVmSize ?? DEFAULT_CONTROL_PLANE_VM_SIZE,
    cloudLocation: input.cloudLocation ?? "MocLocation",
    ...(input.macPoolStart ? { macPoolStart: input.macPoolStart, macPoolEnd: input.macPoolEnd } : {}),
    emulateKnownIssues: input.emulateKnownIssues ?? current?.emulateKnownIssues ?? false,
    installed: false,
  };
  await putConfig(tx, sub, next);
  return next;
}

/** Install-AksHci: the host takes 1 control-plane + 2 update node addresses and the first free VIP. */
export async function install(tx: Tx, sub: string): Promise<HostConfigBody> {
  const c = await getConfig(tx, sub);
  if (!c) throw notConfigured();
  if (c.installed)
    throw new HciError("InvalidOperation", "AksHciAlreadyInstalled", "AksHci is already installed.");
  const net = await getNetwork(tx, sub, c.network);
  const what = "The AKS host (1 control-plane node + 2 addresses for updates)";
  await requireNodeAddresses(tx, net, 1 + HOST_UPDATE_HEADROOM, what);
  await requireVips(tx, net, 1, "The AKS host's API server");
  const apiServerVip = await takeVip(tx, net, hostOwner, "The AKS host's API server");
  const [controlPlaneIp, ...updateReserve] = await takeNodeAddresses(
    tx,
    net,
    1 + HOST_UPDATE_HEADROOM,
    hostOwner,
  );
  const next = { ...c, installed: true, apiServerVip, controlPlaneIp, updateReserve };
  await putConfig(tx, sub, next);
  return next;
}
