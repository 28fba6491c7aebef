// The load balancer hop of a trace: traffic sent to an address that is a load balancer frontend
// (a Service's public or private IP) is matched against the load-balancing rules on that frontend
// and forwarded to the rule's backend pool. With floating IP (what cloud-provider-azure writes) the
// node's NSGs see the frontend address and the frontend port; without it, the node's own address
// and the rule's backend port (the Service's node port).
import type { FlowProtocol } from "../../net/index.js";
import type { ArmContext } from "../context.js";
import { invalidRequestContent } from "../errors.js";

export interface LoadBalancerHop {
  loadBalancer: string;
  loadBalancerId: string;
  frontend: string;
  frontendIp: string;
  rule: string;
  protocol: string;
  frontendPort: number;
  backendPort: number;
  floatingIP: boolean;
  backendPoolId: string;
  probe?: { name: string; protocol: string; port: number; requestPath?: string };
}

type Obj = Record<string, unknown>;
const props = (o: unknown): Obj => (((o as Obj | undefined)?.properties as Obj | undefined) ?? {}) as Obj;
const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
const idOf = (v: unknown) => String((v as Obj | undefined)?.id ?? "");
const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Finds the frontend holding `address` among the load balancers of the node resource group and the
 * rule serving `port/protocol` there. `undefined` when no frontend holds the address; a frontend
 * without a matching rule is a 400 that says so (the load balancer drops such traffic).
 */
export async function loadBalancerHop(
  ctx: ArmContext,
  nodeResourceGroup: string,
  address: string,
  protocol: FlowProtocol,
  port: number | undefined,
): Promise<LoadBalancerHop | undefined> {
  const lbs = await ctx.tx.listResources({
    type: "Microsoft.Network/loadBalancers",
    subscriptionId: ctx.subscriptionId,
    resourceGroup: nodeResourceGroup,
  });
  for (const lb of lbs) {
    const p = props(lb.body);
    for (const fe of list(p.frontendIPConfigurations)) {
      const fp = props(fe);
      let ip = typeof fp.privateIPAddress === "string" ? fp.privateIPAddress : undefined;
      const pipId = idOf(fp.publicIPAddress);
      if (pipId) ip = String(props((await ctx.tx.getResource(pipId))?.body).ipAddress ?? "");
      if (ip !== address) continue;
      const feId = idOf(fe) || `${lb.id}/frontendIPConfigurations/${fe.name}`;
      const rules = list(p.loadBalancingRules).filter((r) =>
        eq(idOf(props(r).frontendIPConfiguration), feId),
      );
      const rule = rules.find((r) => {
        const rp = props(r);
        const proto = String(rp.protocol);
        return (
          (proto === "All" || eq(proto, protocol)) &&
          (Number(rp.frontendPort) === port || Number(rp.frontendPort) === 0)
        );
      });
      if (!rule) {
        const served = rules.map(
          (r) => `${props(r).frontendPort}/${String(props(r).protocol).toLowerCase()}`,
        );
        throw invalidRequestContent(
          `${address} is frontend '${fe.name}' of load balancer '${lb.body.name}', which has no load-balancing rule for ${port ?? ""}/${protocol.toLowerCase()}` +
            (served.length ? ` (its rules serve ${served.join(", ")})` : " (it has no rules)") +
            ": the load balancer drops this traffic.",
          "to",
        );
      }
      const rp = props(rule);
      const probeId = idOf(rp.probe);
      const probe = probeId
        ? list(p.probes).find((x) => eq(idOf(x) || `${lb.id}/probes/${x.name}`, probeId))
        : undefined;
      const frontendPort = Number(rp.frontendPort);
      return {
        loadBalancer: String(lb.body.name),
        loadBalancerId: lb.id,
        frontend: String(fe.name),
        frontendIp: address,
        rule: String(rule.name),
        protocol: String(rp.protocol),
        frontendPort: frontendPort === 0 ? (port ?? 0) : frontendPort,
        backendPort: Number(rp.backendPort) === 0 ? (port ?? 0) : Number(rp.backendPort),
        floatingIP: rp.enableFloatingIP === true,
        backendPoolId: idOf(rp.backendAddressPool),
        ...(probe
          ? {
              probe: {
                name: String(probe.name),
                protocol: String(props(probe).protocol),
                port: Number(props(probe).port),
                ...(typeof props(probe).requestPath === "string"
                  ? { requestPath: String(props(probe).requestPath) }
                  : {}),
              },
            }
          : {}),
      };
    }
  }
  return undefined;
}

/** The backend pools an ip configuration template joins, for "is this node behind the rule?". */
export function joinsPool(
  ipConfig: { loadBalancerBackendAddressPoolIds?: string[] } | undefined,
  poolId: string,
): boolean {
  return (ipConfig?.loadBalancerBackendAddressPoolIds ?? []).some((id) => eq(id, poolId));
}
