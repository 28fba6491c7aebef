// Addresses as AKS-HCI hands them out, one IPAM per VirtualNetwork object: the node pool
// (node VMs, control-plane VMs, load-balancer VMs, update headroom; static pool or simulated
// DHCP leases) and the VIP pool (API servers, the host's API server, LoadBalancer Services).
// Every address taken is a store allocation row keyed (pool, item), so two holders can never
// get the same one; the choice (lowest free) is net/allocator.ts's.
import { formatIp, lowestFreeInRange, parseIp } from "../net/index.js";
import type { Tx } from "../store/types.js";
import { outOfCapacity } from "./errors.js";
import { type NetworkBody, nodePool, sharedVipOwner, vipPool, vipPortPool } from "./model.js";
import {
  isNodeAddress,
  type NetworkRanges,
  networkRanges,
  nodeCapacity,
  rangeSize,
  rangeText,
} from "./networks.js";

const ip = (v: bigint) => formatIp(v, "IPv4");

async function taken(tx: Tx, pool: string): Promise<Set<bigint>> {
  return new Set((await tx.listAllocations(pool)).map((a) => parseIp(a.item).value));
}

function countIn(set: Set<bigint>, r: NetworkRanges, node: boolean): number {
  let n = 0;
  for (const a of set) if (node ? isNodeAddress(r, a) : a >= r.vip.first && a <= r.vip.last) n++;
  return n;
}

export function nodePoolLabel(n: NetworkBody): string {
  const r = networkRanges(n);
  return n.ipAllocationMethod === "static"
    ? `k8s node IP pool of network '${n.name}' (${rangeText(r.node)})`
    : `DHCP scope of network '${n.name}' (${rangeText(r.node)} without the VIP pool)`;
}

export function vipPoolLabel(n: NetworkBody): string {
  return `VIP pool of network '${n.name}' (${rangeText(networkRanges(n).vip)})`;
}

export async function freeNodeAddresses(tx: Tx, n: NetworkBody): Promise<number> {
  const r = networkRanges(n);
  return nodeCapacity(r) - countIn(await taken(tx, nodePool(n.name)), r, true);
}

export async function freeVips(tx: Tx, n: NetworkBody): Promise<number> {
  const r = networkRanges(n);
  return rangeSize(r.vip) - countIn(await taken(tx, vipPool(n.name)), r, false);
}

/** Refuses (before anything is made) when the node pool cannot hold `needed` more addresses. */
export async function requireNodeAddresses(
  tx: Tx,
  n: NetworkBody,
  needed: number,
  what: string,
): Promise<void> {
  const free = await freeNodeAddresses(tx, n);
  if (needed > free) throw outOfCapacity(what, nodePoolLabel(n), needed, free);
}

export async function requireVips(tx: Tx, n: NetworkBody, needed: number, what: string): Promise<void> {
  const free = await freeVips(tx, n);
  if (needed > free) throw outOfCapacity(what, vipPoolLabel(n), needed, free);
}

/** Takes the `count` lowest free node addresses for `owner`. Callers check capacity first. */
export async function takeNodeAddresses(
  tx: Tx,
  n: NetworkBody,
  count: number,
  owner: string,
): Promise<string[]> {
  const r = networkRanges(n);
  const set = await taken(tx, nodePool(n.name));
  for (const x of r.nodeExcluded) for (let a = x.first; a <= x.last; a++) set.add(a);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const a = lowestFreeInRange(r.node.first, r.node.last, set);
    if (a === undefined) throw outOfCapacity("The request", nodePoolLabel(n), count, out.length);
    set.add(a);
    if (!(await tx.allocate(nodePool(n.name), ip(a), owner)))
      throw outOfCapacity("The request", nodePoolLabel(n), count, out.length);
    out.push(ip(a));
  }
  return out;
}

export async function releaseNodeAddresses(tx: Tx, n: NetworkBody, ips: readonly string[]): Promise<void> {
  for (const a of ips) await tx.release(nodePool(n.name), a);
}

/** One VIP held alone (API servers, and every Service while the defect is prevented). */
export async function takeVip(tx: Tx, n: NetworkBody, owner: string, what: string): Promise<string> {
  const r = networkRanges(n);
  const a = lowestFreeInRange(r.vip.first, r.vip.last, await taken(tx, vipPool(n.name)));
  if (a === undefined || !(await tx.allocate(vipPool(n.name), ip(a), owner)))
    throw outOfCapacity(what, vipPoolLabel(n), 1, 0);
  return ip(a);
}

const portKey = (vip: string, port: number, protocol: string) => `${vip}:${port}/${protocol.toLowerCase()}`;

/**
 * The known defect (concepts-container-networking.md): VIPs unique per (IP, port) across the
 * shared network, so a Service gets the lowest VIP whose ports it needs are free — possibly one
 * another cluster's Service already answers on with a different port.
 */
export async function takeVipByPort(
  tx: Tx,
  n: NetworkBody,
  ports: readonly { port: number; protocol: string }[],
  owner: string,
  what: string,
): Promise<string> {
  const r = networkRanges(n);
  const rows = await tx.listAllocations(vipPool(n.name));
  const exclusive = new Set(rows.filter((x) => x.owner !== sharedVipOwner).map((x) => parseIp(x.item).value));
  const usedPorts = new Set((await tx.listAllocations(vipPortPool(n.name))).map((x) => x.item));
  for (let a = r.vip.first; a <= r.vip.last; a++) {
    if (exclusive.has(a)) continue;
    const v = ip(a);
    if (ports.some((p) => usedPorts.has(portKey(v, p.port, p.protocol)))) continue;
    // A fresh IP is marked shared in the VIP pool, so exclusive holders never get it.
    const fresh = !rows.some((x) => x.item === v);
    if (fresh && !(await tx.allocate(vipPool(n.name), v, sharedVipOwner))) continue;
    for (const p of ports)
      if (!(await tx.allocate(vipPortPool(n.name), portKey(v, p.port, p.protocol), owner)))
        throw outOfCapacity(what, vipPoolLabel(n), 1, 0);
    return v;
  }
  throw outOfCapacity(what, vipPoolLabel(n), 1, 0);
}

/** Releases a Service's VIP however it was taken. */
export async function releaseServiceVip(tx: Tx, n: NetworkBody, vip: string, owner: string): Promise<void> {
  const rows = await tx.listAllocations(vipPool(n.name));
  const row = rows.find((x) => x.item === vip);
  if (row?.owner === owner) {
    await tx.release(vipPool(n.name), vip);
    return;
  }
  const mine = (await tx.listAllocations(vipPortPool(n.name))).filter((x) => x.owner === owner);
  for (const x of mine) await tx.release(vipPortPool(n.name), x.item);
  const left = (await tx.listAllocations(vipPortPool(n.name))).some((x) => x.item.startsWith(`${vip}:`));
  if (!left && row?.owner === sharedVipOwner) await tx.release(vipPool(n.name), vip);
}
