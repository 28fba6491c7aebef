// az group create|show|list|delete|exists (Microsoft.Resources/resourceGroups).

import { API, noWaitFlag, parseTags, rgPath, tagsFlag, yesFlag } from "../common.js";
import type { Json } from "../output.js";
import { isObject } from "../output.js";
import { flag } from "../parser.js";
import type { CommandTable } from "../types.js";

const nameFlag = (help: string) =>
  flag("--name --resource-group -n -g", help, { required: true, dest: "name" });

const rgRow = (g: Json) => {
  const o = isObject(g) ? g : {};
  const props = isObject(o.properties) ? o.properties : {};
  return {
    Name: o.name ?? null,
    Location: o.location ?? null,
    Status: props.provisioningState ?? null,
  } as Json;
};

export const COMMANDS: CommandTable = {
  "group create": {
    summary: "Create a new resource group.",
    style: "raw",
    table: rgRow,
    flags: [
      nameFlag("Name of the new resource group."),
      flag("--location -l", "Location. Values from: `az account list-locations`.", { required: true }),
      tagsFlag(),
      flag("--managed-by", "The ID of the resource that manages this resource group."),
    ],
    examples: [
      {
        title: "Create a new resource group in the West US region.",
        command: "az group create -l westus -n MyResourceGroup",
      },
    ],
    run: async (ctx) => {
      const arm = await ctx.arm();
      const sub = await ctx.subscription();
      const body: Record<string, unknown> = {
        location: String(ctx.args.str("location")).replace(/\s+/g, "").toLowerCase(),
      };
      const tags = parseTags(ctx.args.list("tags"));
      if (tags) body.tags = tags;
      if (ctx.args.str("managedBy")) body.managedBy = ctx.args.str("managedBy");
      return (
        await arm.request("PUT", rgPath(sub, String(ctx.args.str("name"))), {
          apiVersion: API.resources,
          body,
        })
      ).body;
    },
  },
  "group show": {
    summary: "Gets a resource group.",
    style: "raw",
    table: rgRow,
    flags: [nameFlag("Name of resource group.")],
    run: async (ctx) => {
      const arm = await ctx.arm();
      return arm.get(rgPath(await ctx.subscription(), String(ctx.args.str("name"))), API.resources);
    },
  },
  "group list": {
    summary: "List resource groups.",
    style: "raw",
    table: (r) => (Array.isArray(r) ? r.map(rgRow) : []),
    flags: [flag("--tag", "A single tag in 'key[=value]' format. Use \"\" to clear existing tags.")],
    run: async (ctx) => {
      const arm = await ctx.arm();
      const query: Record<string, string> = {};
      const tag = ctx.args.str("tag");
      if (tag) {
        const [k, v] = tag.split("=", 2);
        query.$filter = v === undefined ? `tagName eq '${k}'` : `tagName eq '${k}' and tagValue eq '${v}'`;
      }
      return arm.list(`/subscriptions/${await ctx.subscription()}/resourcegroups`, API.resources, query);
    },
  },
  "group delete": {
    summary: "Delete a resource group.",
    style: "raw",
    flags: [
      nameFlag("Name of resource group."),
      noWaitFlag(),
      yesFlag(),
      flag("--force-deletion-types -f", "The resource types you want to force delete.", {
        choices: ["Microsoft.Compute/virtualMachines", "Microsoft.Compute/virtualMachineScaleSets"],
      }),
    ],
    run: async (ctx) => {
      if (!ctx.args.bool("yes") && !(await ctx.confirm("Are you sure you want to perform this operation?"))) {
        return undefined;
      }
      const arm = await ctx.arm();
      const path = rgPath(await ctx.subscription(), String(ctx.args.str("name")));
      const query = ctx.args.str("forceDeletionTypes");
      await arm.lro(
        "DELETE",
        query ? `${path}?forceDeletionTypes=${encodeURIComponent(query)}` : path,
        API.resources,
        undefined,
        {
          noWait: ctx.args.bool("noWait"),
        },
      );
      return undefined;
    },
  },
  "group exists": {
    summary: "Check if a resource group exists.",
    style: "raw",
    flags: [nameFlag("Name of resource group.")],
    run: async (ctx) => {
      const arm = await ctx.arm();
      const res = await arm.request("HEAD", rgPath(await ctx.subscription(), String(ctx.args.str("name"))), {
        apiVersion: API.resources,
        raw: true,
      });
      if (res.status === 404) return false;
      if (res.status >= 400) throw arm.errorFrom(res);
      return true;
    },
  },
};
