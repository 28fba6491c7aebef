// az network asg create|show|list|delete (application security groups).

import {
  API,
  locationFlag,
  nameFlag,
  parseTags,
  providerPath,
  resolveLocation,
  rgFlag,
  tagsFlag,
} from "../common.js";
import { deleteCommand, listCommand, networkKind, showCommand } from "../resource.js";
import type { CommandTable } from "../types.js";

const asg = networkKind(["applicationSecurityGroups"], "application security group");

export const COMMANDS: CommandTable = {
  "network asg create": {
    summary: "Create an application security group.",
    style: "aaz",
    flags: [
      rgFlag(),
      nameFlag("Name of the new application security group resource."),
      locationFlag(),
      tagsFlag(),
    ],
    examples: [
      {
        title: "Create an application security group.",
        command: "az network asg create -g MyResourceGroup -n MyAsg --tags MyWebApp, CostCenter=Marketing",
      },
    ],
    run: async (ctx) => {
      const a = ctx.args;
      const arm = await ctx.arm();
      const sub = await ctx.subscription();
      const rg = String(a.str("resourceGroup"));
      const body: Record<string, unknown> = { location: await resolveLocation(ctx, rg) };
      const tags = parseTags(a.list("tags"));
      if (tags) body.tags = tags;
      return arm.lro(
        "PUT",
        providerPath(sub, rg, "Microsoft.Network", "applicationSecurityGroups", String(a.str("name"))),
        API.network,
        body,
      );
    },
  },
  "network asg show": showCommand(asg),
  "network asg list": listCommand(asg, "List all application security groups in a subscription."),
  "network asg delete": deleteCommand(asg, { noWait: true }),
};
