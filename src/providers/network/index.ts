// Every Microsoft.Network handler, for the registry (src/providers/index.ts).

import type { ResourceTypeHandler } from "../registry.js";
import { applicationSecurityGroups } from "./applicationSecurityGroups.js";
import { loadBalancers } from "./loadBalancers.js";
import { natGateways } from "./natGateways.js";
import { networkInterfaces } from "./networkInterfaces.js";
import { defaultSecurityRulesHandler, networkSecurityGroups } from "./networkSecurityGroups.js";
import { publicIPAddresses } from "./publicIPAddresses.js";
import { publicIPPrefixes } from "./publicIPPrefixes.js";
import { routes } from "./routes.js";
import { routeTables } from "./routeTables.js";
import { securityRules } from "./securityRules.js";
import { subnets } from "./subnets.js";
import { subResourceHandlers } from "./subResources.js";
import { virtualNetworks } from "./virtualNetworks.js";

export const networkHandlers: ResourceTypeHandler[] = [
  virtualNetworks,
  subnets,
  publicIPPrefixes,
  publicIPAddresses,
  networkSecurityGroups,
  securityRules,
  defaultSecurityRulesHandler,
  applicationSecurityGroups,
  routeTables,
  routes,
  networkInterfaces,
  loadBalancers,
  natGateways,
  ...subResourceHandlers,
];
