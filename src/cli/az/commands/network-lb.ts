// az network lb show|list (load balancers are created by AKS in the node resource group).

import { listCommand, networkKind, showCommand } from "../resource.js";
import type { CommandTable } from "../types.js";

const lb = networkKind(["loadBalancers"], "load balancer");

export const COMMANDS: CommandTable = {
  "network lb show": showCommand(lb),
  "network lb list": listCommand(lb, "List load balancers."),
};
