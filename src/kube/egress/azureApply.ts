// The StaticGatewayConfiguration's Azure half — what kube-egress-gateway's GatewayLBConfiguration and
// GatewayVMConfiguration controllers do — in the caller's transaction, through
// providers/network/internal.ts:
//   - `kubeegressgateway-ilb` (Standard, internal) in the node resource group: per gateway pool a
//     frontend (private IP in the pool's subnet) and a backend pool, both named by the scale set's
//     uniqueId; per configuration a UDP rule (floating IP, frontend port = backend port = the lowest
//     free port in 6000–6999 on that pool) and an HTTP probe on 8082 `/gw/<uid>`;
//   - the egress prefix: the user's (`publicIpPrefixId`: same subscription, the pool's prefix length,
//     the cluster identity allowed to join it) or `egressgateway-<uid>` created in the node resource group;
//   - per gateway node a secondary ip configuration `egressgateway-<uid>` with a subnet address and a
//     public IP from the prefix.
// removeGatewayConfiguration undoes all of it (a user's prefix is left alone).
import { hasPermission } from "../../providers/authorization/permissions.js";
import { listInstances } from "../../providers/compute/scaleSets.js";
import { infraIds } from "../../providers/containerservice/nodeResourceGroup.js";
import { readPoolNetworkSpec } from "../../providers/containerservice/poolNetworkSpec.js";
import { getCluster, listPools } from "../../providers/containerservice/records.js";
import type { ArmContext } from "../../providers/context.js";
import { stableGuid } from "../../providers/ids.js";
import {
  allocateSubnetAddresses,
  attachPublicIPAddress,
  deleteNetworkResource,
  detachPublicIPAddresses,
  putLoadBalancer,
  putPublicIPAddress,
  putPublicIPPrefix,
  releaseAddressesOf,
} from "../../providers/network/internal.js";
import { subnetPool } from "../../providers/network/shared.js";
import {
  checkPrefixLength,
  chooseWireguardPort,
  GATEWAY_ILB_NAME,
  GATEWAY_PROBE,
  managedPrefixName,
  type StaticGatewayConfigurationStatus,
} from "./staticGatewayConfiguration.js";

type Obj = Record<string, unknown>;
const props = (o: unknown): Obj => (((o as Obj | undefined)?.properties as Obj | undefined) ?? {}) as Obj;
const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

export interface GatewayConfigurationInput {
  uid: string;
  /** `<namespace>/<name>`, for tags. */
  key: string;
  gatewayNodepoolName: string;
  provisionPublicIps: boolean;
  publicIpPrefixId?: string;
}

export type GatewayOutcome =
  | { ok: true; status: StaticGatewayConfigurationStatus }
  | { ok: false; error: string };

export const SGC_TAG = "aks-managed-staticgatewayconfiguration";

async function gatewayPool(ctx: ArmContext, clusterId: string, poolName: string) {
  const cluster = await getCluster(ctx, clusterId);
  if (!cluster) throw new Error(`cluster ${clusterId} not found`);
  const pool = (await listPools(ctx, clusterId)).find(
    (p) =>
      p.internal.spec.name.toLowerCase() === poolName.toLowerCase() && p.internal.spec.mode === "Gateway",
  );
  const ids = infraIds(ctx, String(cluster.rec.body.name), cluster.internal);
  return { cluster, pool, ids, location: String(cluster.rec.body.location) };
}

const ipConfigName = (uid: string) => `egressgateway-${uid}`;
const poolPartName = (vmssId: string) => stableGuid("vmss", vmssId);
const ilbIdOf = (nodeRgId: string) =>
  `${nodeRgId}/providers/Microsoft.Network/loadBalancers/${GATEWAY_ILB_NAME}`;

/**
 * Makes (or repairs) everything a configuration needs and returns its status; a problem the user must
 * fix (no such pool, a wrong prefix, missing rights) comes back as the `ReconcileError` message with
 * nothing changed by this call.
 */
export async function applyGatewayConfiguration(
  ctx: ArmContext,
  clusterId: string,
  sgc: GatewayConfigurationInput,
): Promise<GatewayOutcome> {
  const { cluster, pool, ids, location } = await gatewayPool(ctx, clusterId, sgc.gatewayNodepoolName);
  if (!pool) return { ok: false, error: "gateway agent pool not found" };
  const size = readPoolNetworkSpec(pool.internal.spec).gatewayPrefixSize ?? 31;

  // The egress prefix.
  let prefixId: string | undefined;
  let prefixCidr = "";
  if (sgc.provisionPublicIps) {
    if (sgc.publicIpPrefixId) {
      const rec = await ctx.tx.getResource(sgc.publicIpPrefixId);
      if (!rec?.type.toLowerCase().endsWith("/publicipprefixes")) {
        return { ok: false, error: `failed to get public ip prefix ${sgc.publicIpPrefixId}: not found` };
      }
      if (rec.subscriptionId.toLowerCase() !== ctx.subscriptionId.toLowerCase()) {
        return {
          ok: false,
          error: `public ip prefix ${sgc.publicIpPrefixId} must be in subscription ${ctx.subscriptionId}`,
        };
      }
      const bad = checkPrefixLength(Number(props(rec.body).prefixLength), size);
      if (bad) return { ok: false, error: bad };
      const principal = cluster.internal.spec.identity.principalId ?? "";
      const action = "Microsoft.Network/publicIPPrefixes/join/action";
      if (!principal || !(await hasPermission(ctx, principal, rec.id, action))) {
        return {
          ok: false,
          error: `The client '${principal}' with object id '${principal}' does not have authorization to perform action '${action}' over scope '${rec.id}' or the scope is invalid. (Code: LinkedAuthorizationFailed)`,
        };
      }
      prefixId = rec.id;
    } else {
      prefixId = `${ids.nodeRgId}/providers/Microsoft.Network/publicIPPrefixes/${managedPrefixName(sgc.uid)}`;
      if (!(await ctx.tx.getResource(prefixId)))
        await putPublicIPPrefix(ctx, prefixId, {
          location,
          prefixLength: size,
          tags: { [SGC_TAG]: sgc.key },
        });
    }
    const prefix = await ctx.tx.getResource(prefixId);
    prefixCidr = String(props(prefix?.body).ipPrefix ?? "");
  }

  // Secondary ip configurations (and public IPs) on every gateway node.
  const cfg = ipConfigName(sgc.uid);
  const egressAddresses: string[] = [];
  for (const inst of await listInstances(ctx, pool.internal.vmssId)) {
    const holder = `${inst.nicIds[0]}/ipConfigurations/${cfg}`;
    const held = await ctx.tx.listAllocationsByOwner(holder.toLowerCase());
    let privateIp = held.find((a) => a.pool.startsWith("subnet:"))?.item;
    if (!privateIp)
      [privateIp] = await allocateSubnetAddresses(ctx, pool.internal.subnetId, 1, holder.toLowerCase());
    if (prefixId) {
      const pipId = `${ids.nodeRgId}/providers/Microsoft.Network/publicIPAddresses/${cfg}-${inst.instanceId}`;
      if (!(await ctx.tx.getResource(pipId))) {
        await putPublicIPAddress(ctx, pipId, {
          location,
          publicIPPrefixId: prefixId,
          tags: { [SGC_TAG]: sgc.key, "aks-managed-instance-id": String(inst.instanceId) },
        });
        await attachPublicIPAddress(ctx, pipId, holder);
      }
      egressAddresses.push(String(props((await ctx.tx.getResource(pipId))?.body).ipAddress));
    } else {
      egressAddresses.push(privateIp);
    }
  }

  // Nodes the pool lost (scaled in): their ip configuration and public IP go (kube-egress-gateway's
  // VM configuration controller reconciles the instances it finds; the rest is cleaned up).
  const live = new Set((await listInstances(ctx, pool.internal.vmssId)).map((i) => String(i.instanceId)));
  const nodeRg = ids.nodeRgId.split("/")[4];
  const vmssName = pool.internal.vmssId.split("/").pop() ?? "";
  for (const r of await ctx.tx.listResources({
    type: "Microsoft.Network/publicIPAddresses",
    subscriptionId: ctx.subscriptionId,
    resourceGroup: nodeRg,
  })) {
    const name = String(r.body.name);
    if (!name.startsWith(`${cfg}-`) || live.has(name.slice(cfg.length + 1))) continue;
    const attached = (props(r.body).ipConfiguration as Obj | undefined)?.id;
    const holder =
      typeof attached === "string"
        ? attached
        : `${pool.internal.vmssId}/virtualMachines/${name.slice(cfg.length + 1)}/networkInterfaces/${vmssName}/ipConfigurations/${cfg}`;
    await detachPublicIPAddresses(ctx, holder);
    await releaseAddressesOf(ctx, holder.toLowerCase());
    await deleteNetworkResource(ctx, r.id);
  }
  // Without public IPs (provisionPublicIps: false) a lost node holds only the private address of
  // its ip configuration: found by owner in the gateway subnet's pool.
  const suffix = `/ipconfigurations/${cfg.toLowerCase()}`;
  for (const a of await ctx.tx.listAllocations(subnetPool(pool.internal.subnetId))) {
    if (!a.owner.endsWith(suffix)) continue;
    const instance = /\/virtualmachines\/([^/]+)\//.exec(a.owner)?.[1];
    if (instance !== undefined && !live.has(instance)) await releaseAddressesOf(ctx, a.owner);
  }

  // The ILB: frontend + backend per pool, rule + probe per configuration.
  const ilbId = ilbIdOf(ids.nodeRgId);
  const part = poolPartName(pool.internal.vmssId);
  const existing = await ctx.tx.getResource(ilbId);
  const body = (existing?.body ?? {
    location,
    sku: { name: "Standard", tier: "Regional" },
    properties: {},
  }) as Obj;
  const p = props(body);
  const frontends = list(p.frontendIPConfigurations);
  const backends = list(p.backendAddressPools);
  const rules = list(p.loadBalancingRules);
  const probes = list(p.probes);
  if (!frontends.some((f) => f.name === part))
    frontends.push({
      name: part,
      properties: { subnet: { id: pool.internal.subnetId }, privateIPAllocationMethod: "Dynamic" },
    });
  if (!backends.some((b) => b.name === part)) backends.push({ name: part });
  let port = Number(props(rules.find((r) => r.name === sgc.uid)).frontendPort) || undefined;
  if (!port) {
    const used = new Set(
      rules
        .filter((r) =>
          String((props(r).backendAddressPool as Obj | undefined)?.id ?? "").endsWith(`/${part}`),
        )
        .map((r) => Number(props(r).frontendPort)),
    );
    port = chooseWireguardPort(used);
    if (port === undefined) return { ok: false, error: "selectPortForLBRule: No available ports" };
    probes.push({
      name: sgc.uid,
      properties: {
        protocol: GATEWAY_PROBE.protocol,
        port: GATEWAY_PROBE.port,
        requestPath: `/gw/${sgc.uid}`,
        intervalInSeconds: GATEWAY_PROBE.intervalInSeconds,
        numberOfProbes: GATEWAY_PROBE.probeThreshold,
        probeThreshold: GATEWAY_PROBE.probeThreshold,
      },
    });
    rules.push({
      name: sgc.uid,
      properties: {
        frontendIPConfiguration: { id: `${ilbId}/frontendIPConfigurations/${part}` },
        backendAddressPool: { id: `${ilbId}/backendAddressPools/${part}` },
        probe: { id: `${ilbId}/probes/${sgc.uid}` },
        protocol: "Udp",
        frontendPort: port,
        backendPort: port,
        enableFloatingIP: true,
        idleTimeoutInMinutes: 4,
      },
    });
  }
  const written = await putLoadBalancer(ctx, ilbId, {
    ...body,
    properties: {
      ...p,
      frontendIPConfigurations: frontends,
      backendAddressPools: backends,
      loadBalancingRules: rules,
      probes,
    },
  });
  const fe = list(props(written).frontendIPConfigurations).find((f) => f.name === part);
  return {
    ok: true,
    status: {
      egressIpPrefix: prefixId ? prefixCidr : egressAddresses.join(","),
      gatewayServerProfile: { ip: String(props(fe).privateIPAddress), port },
    },
  };
}

/** The gateway nodes' egress addresses of a configuration, by node computer name (for trace and the page). */
export async function gatewayEgressAddresses(
  ctx: ArmContext,
  clusterId: string,
  sgc: Pick<GatewayConfigurationInput, "uid" | "gatewayNodepoolName">,
): Promise<{ name: string; egressAddress: string }[]> {
  const { pool, ids } = await gatewayPool(ctx, clusterId, sgc.gatewayNodepoolName);
  if (!pool) return [];
  const out: { name: string; egressAddress: string }[] = [];
  for (const inst of await listInstances(ctx, pool.internal.vmssId)) {
    const pip = await ctx.tx.getResource(
      `${ids.nodeRgId}/providers/Microsoft.Network/publicIPAddresses/${ipConfigName(sgc.uid)}-${inst.instanceId}`,
    );
    if (pip) out.push({ name: inst.computerName, egressAddress: String(props(pip.body).ipAddress) });
  }
  return out;
}

/** Releases what applyGatewayConfiguration made for the configuration. */
export async function removeGatewayConfiguration(
  ctx: ArmContext,
  clusterId: string,
  sgc: Pick<GatewayConfigurationInput, "uid" | "gatewayNodepoolName">,
): Promise<void> {
  const { pool, ids } = await gatewayPool(ctx, clusterId, sgc.gatewayNodepoolName);
  const cfg = ipConfigName(sgc.uid);
  if (pool) {
    for (const inst of await listInstances(ctx, pool.internal.vmssId)) {
      const holder = `${inst.nicIds[0]}/ipConfigurations/${cfg}`;
      await detachPublicIPAddresses(ctx, holder);
      await releaseAddressesOf(ctx, holder.toLowerCase());
    }
  }
  const nodeRg = ids.nodeRgId.split("/")[4];
  for (const r of await ctx.tx.listResources({
    type: "Microsoft.Network/publicIPAddresses",
    subscriptionId: ctx.subscriptionId,
    resourceGroup: nodeRg,
  })) {
    if (String(r.body.name).startsWith(`${cfg}-`)) {
      await deleteNetworkResource(ctx, r.id);
    }
  }
  await deleteNetworkResource(
    ctx,
    `${ids.nodeRgId}/providers/Microsoft.Network/publicIPPrefixes/${managedPrefixName(sgc.uid)}`,
  );

  const ilbId = ilbIdOf(ids.nodeRgId);
  const ilb = await ctx.tx.getResource(ilbId);
  if (!ilb) return;
  const p = props(ilb.body);
  const rules = list(p.loadBalancingRules).filter((r) => r.name !== sgc.uid);
  const probes = list(p.probes).filter((r) => r.name !== sgc.uid);
  // A pool's frontend and backend go with its last rule; the ILB with its last frontend.
  const usedParts = new Set(
    rules.map((r) =>
      String((props(r).backendAddressPool as Obj | undefined)?.id ?? "")
        .split("/")
        .pop(),
    ),
  );
  const frontends = list(p.frontendIPConfigurations).filter((f) => usedParts.has(String(f.name)));
  if (frontends.length === 0) {
    await deleteNetworkResource(ctx, ilbId);
    return;
  }
  await putLoadBalancer(ctx, ilbId, {
    ...ilb.body,
    properties: {
      ...p,
      frontendIPConfigurations: frontends,
      backendAddressPools: list(p.backendAddressPools).filter((b) => usedParts.has(String(b.name))),
      loadBalancingRules: rules,
      probes,
    },
  });
}
