// Read-only views of the parts a Network resource carries inline: a NIC's ipConfigurations
// and a load balancer's frontends, backend pools, probes and rules. The SDK reads them
// through their own operation groups (`networkInterfaceIPConfigurations`,
// `loadBalancerFrontendIPConfigurations`, `loadBalancerBackendAddressPools`, …) at
// `…/{parent}/{part}[/{name}]`; they are served from the parent's presented body, so they
// always agree with it. Writes go through the parent.

import { requireResourceGroup } from "../common.js";
import type { ArmContext } from "../context.js";
import { notFound, resourceNotFound } from "../errors.js";
import { buildId, type CollectionRef, type ResourceRef } from "../ids.js";
import type { ResourceTypeHandler, Wire } from "../registry.js";
import { NETWORK_API_VERSIONS, networkKindOf, TYPES } from "./shared.js";

async function partsOf(ctx: ArmContext, parentType: string, ref: ResourceRef | CollectionRef, key: string) {
  await requireResourceGroup(ctx, ref);
  const parentRef: ResourceRef = {
    ...ref,
    types: ref.types.slice(0, 1),
    names: ref.names.slice(0, 1),
  };
  const rec = await ctx.tx.getResource(buildId(parentRef));
  if (!rec) throw resourceNotFound(parentType, parentRef.names[0], ref.resourceGroup);
  const kind = networkKindOf(parentType);
  const body = kind ? await kind.present(ctx, rec) : rec.body;
  const parts = ((body.properties as Wire | undefined)?.[key] as Wire[] | undefined) ?? [];
  return { parentId: rec.id, parts };
}

function partHandler(parentType: string, key: string): ResourceTypeHandler {
  const type = `${parentType}/${key}`;
  return {
    type,
    apiVersions: NETWORK_API_VERSIONS,
    scope: "resourceGroup",
    async get(ctx, ref) {
      const { parentId, parts } = await partsOf(ctx, parentType, ref, key);
      const name = ref.names[ref.names.length - 1];
      const hit = parts.find((p) => String(p.name).toLowerCase() === name.toLowerCase());
      if (!hit) throw notFound(`Resource '${parentId}/${key}/${name}' of type '${type}' was not found.`);
      return hit;
    },
    async list(ctx, coll) {
      return (await partsOf(ctx, parentType, coll, key)).parts;
    },
  };
}

export const subResourceHandlers: ResourceTypeHandler[] = [
  partHandler(TYPES.nic, "ipConfigurations"),
  ...[
    "frontendIPConfigurations",
    "backendAddressPools",
    "probes",
    "loadBalancingRules",
    "outboundRules",
    "inboundNatRules",
  ].map((k) => partHandler(TYPES.lb, k)),
];
