// az network nic show|list (node NICs live in the node resource group).

import { listCommand, networkKind, showCommand } from "../resource.js";
import type { CommandTable } from "../types.js";

const nic = networkKind(["networkInterfaces"], "network interface");

export const COMMANDS: CommandTable = {
  "network nic show": showCommand(nic),
  "network nic list": listCommand(nic, "List network interfaces."),
};
