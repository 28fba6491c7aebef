// az network public-ip create|show|list|delete and az network public-ip prefix create|show|list|delete.

import {
  API,
  locationFlag,
  nameFlag,
  noWaitFlag,
  parseTags,
  providerPath,
  resolveLocation,
  rgFlag,
  tagsFlag,
  toResourceId,
} from "../common.js";
import { CliError } from "../io.js";
import { flag } from "../parser.js";
import { deleteCommand, listCommand, networkKind, showCommand } from "../resource.js";
import type { CommandTable } from "../types.js";

const NS = "Microsoft.Network";
const ip = networkKind(["publicIPAddresses"], "public IP address");
const prefix = networkKind(["publicIPPrefixes"], "public IP prefix");

/** `--ip-tags RoutingPreference=Internet FirstPartyUsage=/Sql` → [{ipTagType, tag}]. */
export function parseIpTags(
  values: string[] | undefined,
  flagName: string,
): { ipTagType: string; tag: string }[] | undefined {
  if (!values) return undefined;
  return values.map((v) => {
    const eq = v.indexOf("=");
    if (eq <= 0 || eq === v.length - 1) {
      throw new CliError(`usage error: ${flagName} TYPE=VAL [TYPE=VAL ...] (invalid entry '${v}')`);
    }
    return { ipTagType: v.slice(0, eq), tag: v.slice(eq + 1) };
  });
}

export const COMMANDS: CommandTable = {
  "network public-ip create": {
    summary: "Create a public IP address.",
    style: "aaz",
    flags: [
      rgFlag(),
      nameFlag("The name of the public IP address."),
      locationFlag(),
      flag("--sku", "Name of a public IP address SKU.", {
        choices: ["Basic", "Standard"],
        default: "Standard",
      }),
      flag(
        "--tier",
        "Tier of a public IP address SKU and Global tier is only supported for standard SKU public IP addresses.",
        {
          choices: ["Global", "Regional"],
        },
      ),
      flag("--allocation-method", "IP address allocation method.", { choices: ["Dynamic", "Static"] }),
      flag("--version", "IP address type.", { choices: ["IPv4", "IPv6"], default: "IPv4" }),
      flag("--public-ip-prefix", "Name or ID of a public IP prefix."),
      flag("--dns-name", "Globally unique DNS entry."),
      flag("--idle-timeout:int", "Idle timeout in minutes."),
      flag("--ip-tags:list", "The list of tags associated with the public IP address (TYPE=VAL ...)."),
      flag(
        "--zone -z:list",
        "Space-separated list of availability zones into which to provision the resource.",
      ),
      tagsFlag(),
    ],
    examples: [
      {
        title: "Create a basic public IP resource.",
        command: "az network public-ip create -g MyResourceGroup -n MyIp",
      },
    ],
    run: async (ctx) => {
      const a = ctx.args;
      const arm = await ctx.arm();
      const sub = await ctx.subscription();
      const rg = String(a.str("resourceGroup"));
      const location = await resolveLocation(ctx, rg);
      const sku = a.str("sku") ?? "Standard";
      const props: Record<string, unknown> = {
        publicIPAllocationMethod: a.str("allocationMethod") ?? (sku === "Standard" ? "Static" : "Dynamic"),
        publicIPAddressVersion: a.str("version") ?? "IPv4",
      };
      const pfx = a.str("publicIpPrefix");
      if (pfx) props.publicIPPrefix = { id: toResourceId(sub, rg, pfx, NS, "publicIPPrefixes") };
      if (a.str("dnsName")) props.dnsSettings = { domainNameLabel: a.str("dnsName") };
      if (a.int("idleTimeout") !== undefined) props.idleTimeoutInMinutes = a.int("idleTimeout");
      const ipTags = parseIpTags(a.list("ipTags"), "--ip-tags");
      if (ipTags) props.ipTags = ipTags;
      const body: Record<string, unknown> = {
        location,
        sku: { name: sku, ...(a.str("tier") ? { tier: a.str("tier") } : {}) },
        properties: props,
      };
      const zones = a.list("zone");
      if (zones) body.zones = zones;
      const tags = parseTags(a.list("tags"));
      if (tags) body.tags = tags;
      const res = await arm.lro(
        "PUT",
        providerPath(sub, rg, NS, "publicIPAddresses", String(a.str("name"))),
        API.network,
        body,
      );
      return res === undefined ? undefined : { publicIp: res };
    },
  },
  "network public-ip show": showCommand(ip),
  "network public-ip list": listCommand(ip, "List public IP addresses."),
  "network public-ip delete": deleteCommand(ip, { noWait: false }),
  "network public-ip prefix create": {
    summary: "Create a public IP prefix resource.",
    style: "aaz",
    flags: [
      rgFlag(),
      nameFlag("The name of the public IP prefix."),
      flag("--length:int", "Length of the prefix (i.e. `XX.XX.XX.XX/<Length>`).", { required: true }),
      locationFlag(),
      flag("--version", "IP address type.", { choices: ["IPv4", "IPv6"], default: "IPv4" }),
      flag("--tier", "Tier of a public IP prefix SKU.", { choices: ["Global", "Regional"] }),
      flag(
        "--zone -z:list",
        "Space-separated list of availability zones into which to provision the resource.",
      ),
      flag("--ip-tags:list", "The list of tags associated with the public IP prefix (TYPE=VAL ...)."),
      flag("--custom-ip-prefix-name", "A custom prefix from which the public prefix derived."),
      tagsFlag(),
      noWaitFlag(),
    ],
    examples: [
      {
        title: "Create a public IP prefix resource. (autogenerated)",
        command:
          "az network public-ip prefix create --length 28 --location westus2 --name MyPublicIPPrefix --resource-group MyResourceGroup",
      },
    ],
    run: async (ctx) => {
      const a = ctx.args;
      const arm = await ctx.arm();
      const sub = await ctx.subscription();
      const rg = String(a.str("resourceGroup"));
      const location = await resolveLocation(ctx, rg);
      const props: Record<string, unknown> = {
        prefixLength: a.int("length"),
        publicIPAddressVersion: a.str("version") ?? "IPv4",
      };
      const ipTags = parseIpTags(a.list("ipTags"), "--ip-tags");
      if (ipTags) props.ipTags = ipTags;
      const custom = a.str("customIpPrefixName");
      if (custom) props.customIPPrefix = { id: toResourceId(sub, rg, custom, NS, "customIpPrefixes") };
      const body: Record<string, unknown> = {
        location,
        sku: { name: "Standard", tier: a.str("tier") ?? "Regional" },
        properties: props,
      };
      const zones = a.list("zone");
      if (zones) body.zones = zones;
      const tags = parseTags(a.list("tags"));
      if (tags) body.tags = tags;
      return arm.lro(
        "PUT",
        providerPath(sub, rg, NS, "publicIPPrefixes", String(a.str("name"))),
        API.network,
        body,
        {
          noWait: a.bool("noWait"),
        },
      );
    },
  },
  "network public-ip prefix show": showCommand(prefix),
  "network public-ip prefix list": listCommand(prefix, "List public IP prefix resources."),
  "network public-ip prefix delete": deleteCommand(prefix, { noWait: true }),
};
