// az network asg create|show|list|delete (application security groups).

import { createCommand, deleteCommand, listCommand, networkKind, showCommand } from "../resource.js";
import type { CommandTable } from "../types.js";

const asg = networkKind(["applicationSecurityGroups"], "application security group");

export const COMMANDS: CommandTable = {
  "network asg create": createCommand(asg, {
    summary: "Create an application security group.",
    nameHelp: "Name of the new application security group resource.",
    examples: [
      {
        title: "Create an application security group.",
        command: "az network asg create -g MyResourceGroup -n MyAsg --tags MyWebApp, CostCenter=Marketing",
      },
    ],
  }),
  "network asg show": showCommand(asg),
  "network asg list": listCommand(asg, "List all application security groups in a subscription."),
  "network asg delete": deleteCommand(asg, { noWait: true }),
};
