// az identity create|show|list|delete (Microsoft.ManagedIdentity/userAssignedIdentities).

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
import type { ResourceKind } from "../resource.js";
import { deleteCommand, listCommand, showCommand } from "../resource.js";
import type { CommandTable } from "../types.js";

const identity: ResourceKind = {
  namespace: "Microsoft.ManagedIdentity",
  types: ["userAssignedIdentities"],
  apiVersion: API.msi,
  style: "sdk",
  label: "managed identity",
  listBySubscription: true,
};

export const COMMANDS: CommandTable = {
  "identity create": {
    summary: "Create Identities.",
    style: "sdk",
    flags: [rgFlag(), nameFlag("Identity resource name."), locationFlag(), tagsFlag()],
    examples: [
      {
        title: "Create an identity.",
        command: "az identity create --name MyIdentity --resource-group MyResourceGroup",
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
      const path = providerPath(sub, rg, identity.namespace, "userAssignedIdentities", String(a.str("name")));
      return (await arm.request("PUT", path, { apiVersion: API.msi, body })).body;
    },
  },
  "identity show": showCommand(identity, "Show the details of an identity."),
  "identity list": listCommand(identity, "List Identities."),
  "identity delete": deleteCommand(identity, { noWait: false, summary: "Delete an identity." }),
};
