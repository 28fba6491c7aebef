// az network nsg create|show|list|delete and az network nsg rule create|show|list|delete.

import { API, nameFlag, providerPath, rgFlag, toResourceId } from "../common.js";
import type { Json } from "../output.js";
import { isObject } from "../output.js";
import { flag } from "../parser.js";
import { createCommand, deleteCommand, listCommand, networkKind, showCommand } from "../resource.js";
import type { CommandTable } from "../types.js";

const NS = "Microsoft.Network";
const nsgNameFlag = () => flag("--nsg-name", "Name of the network security group.", { required: true });
const nsg = networkKind(["networkSecurityGroups"], "network security group");
const rule = networkKind(["networkSecurityGroups", "securityRules"], "network security group rule", {
  parentFlags: [nsgNameFlag()],
  table: (r) => ruleRow(r),
});

const joined = (one: Json | undefined, many: Json | undefined): string => {
  if (typeof one === "string" && one) return one;
  if (Array.isArray(many)) return many.join(" ");
  return "";
};

const asgNames = (v: Json | undefined): string =>
  Array.isArray(v) && v.length
    ? v.map((x) => (isObject(x) && typeof x.id === "string" ? (x.id.split("/").pop() ?? "") : "")).join(", ")
    : "None";

/** azure-cli's transform_nsg_rule_table_output. */
function ruleRow(r: Json): Json {
  const o = isObject(r) ? r : {};
  return {
    Name: o.name ?? null,
    ResourceGroup: o.resourceGroup ?? null,
    Priority: o.priority ?? null,
    SourcePortRanges: joined(o.sourcePortRange, o.sourcePortRanges),
    SourceAddressPrefixes: joined(o.sourceAddressPrefix, o.sourceAddressPrefixes),
    SourceASG: asgNames(o.sourceApplicationSecurityGroups),
    Access: o.access ?? null,
    Protocol: o.protocol ?? null,
    Direction: o.direction ?? null,
    DestinationPortRanges: joined(o.destinationPortRange, o.destinationPortRanges),
    DestinationAddressPrefixes: joined(o.destinationAddressPrefix, o.destinationAddressPrefixes),
    DestinationASG: asgNames(o.destinationApplicationSecurityGroups),
  };
}

/** az sends a single value in the singular property and several in the plural one. */
function singularOrPlural(
  props: Record<string, unknown>,
  singular: string,
  values: string[] | undefined,
): void {
  if (!values || values.length === 0) return;
  if (values.length === 1) props[singular] = values[0];
  else props[singular.endsWith("x") ? `${singular}es` : `${singular}s`] = values;
}

export function buildSecurityRule(a: {
  priority: number;
  access?: string;
  direction?: string;
  protocol?: string;
  description?: string;
  sourceAddressPrefixes?: string[];
  sourcePortRanges?: string[];
  destinationAddressPrefixes?: string[];
  destinationPortRanges?: string[];
  sourceAsgIds?: string[];
  destinationAsgIds?: string[];
}): Record<string, unknown> {
  const props: Record<string, unknown> = {
    priority: a.priority,
    access: a.access ?? "Allow",
    direction: a.direction ?? "Inbound",
    protocol: a.protocol ?? "*",
  };
  if (a.description) props.description = a.description;
  const srcAsgs = a.sourceAsgIds?.length ? a.sourceAsgIds : undefined;
  const dstAsgs = a.destinationAsgIds?.length ? a.destinationAsgIds : undefined;
  singularOrPlural(props, "sourceAddressPrefix", a.sourceAddressPrefixes ?? (srcAsgs ? undefined : ["*"]));
  singularOrPlural(props, "sourcePortRange", a.sourcePortRanges ?? ["*"]);
  singularOrPlural(
    props,
    "destinationAddressPrefix",
    a.destinationAddressPrefixes ?? (dstAsgs ? undefined : ["*"]),
  );
  singularOrPlural(props, "destinationPortRange", a.destinationPortRanges ?? ["80"]);
  if (srcAsgs) props.sourceApplicationSecurityGroups = srcAsgs.map((id) => ({ id }));
  if (dstAsgs) props.destinationApplicationSecurityGroups = dstAsgs.map((id) => ({ id }));
  return props;
}

export const COMMANDS: CommandTable = {
  "network nsg create": createCommand(nsg, {
    summary: "Create a network security group.",
    nameHelp: "Name of the network security group.",
    examples: [
      {
        title: "Create an NSG in a resource group with a specified name.",
        command: "az network nsg create -g MyResourceGroup -n MyNsg",
      },
    ],
    wrap: "NewNSG",
  }),
  "network nsg show": showCommand(nsg),
  "network nsg list": listCommand(nsg, "List network security groups."),
  "network nsg delete": deleteCommand(nsg, { noWait: true }),
  "network nsg rule create": {
    summary: "Create a network security group rule.",
    style: "aaz",
    flags: [
      rgFlag(),
      nsgNameFlag(),
      nameFlag("Name of the network security group rule."),
      flag(
        "--priority:int",
        "Rule priority, between 100 (highest priority) and 4096 (lowest priority). Must be unique for each rule in the collection.",
        {
          required: true,
        },
      ),
      flag("--access", "Allowed or denied.", { choices: ["Allow", "Deny"], default: "Allow" }),
      flag("--direction", "Direction of the rule.", { choices: ["Inbound", "Outbound"], default: "Inbound" }),
      flag("--protocol", "Network protocol this rule applies to.", {
        choices: ["*", "Ah", "Esp", "Icmp", "Tcp", "Udp"],
        default: "*",
      }),
      flag("--description", "Rule description."),
      flag(
        "--source-address-prefixes:list",
        "Space-separated list of CIDR prefixes or IP ranges. Alternatively, specify ONE of 'VirtualNetwork', 'AzureLoadBalancer', 'Internet' or '*' to match all IPs.",
        { group: "Source Arguments" },
      ),
      flag(
        "--source-port-ranges:list",
        "Space-separated list of ports or port ranges between 0-65535. Use '*' to match all ports.",
        { group: "Source Arguments" },
      ),
      flag("--source-asgs:list", "Space-separated list of application security group names or IDs.", {
        group: "Source Arguments",
      }),
      flag(
        "--destination-address-prefixes:list",
        "Space-separated list of CIDR prefixes or IP ranges. Alternatively, specify ONE of 'VirtualNetwork', 'AzureLoadBalancer', 'Internet' or '*' to match all IPs.",
        { group: "Destination Arguments" },
      ),
      flag(
        "--destination-port-ranges:list",
        "Space-separated list of ports or port ranges between 0-65535. Use '*' to match all ports.",
        { group: "Destination Arguments" },
      ),
      flag("--destination-asgs:list", "Space-separated list of application security group names or IDs.", {
        group: "Destination Arguments",
      }),
    ],
    run: async (ctx) => {
      const a = ctx.args;
      const arm = await ctx.arm();
      const sub = await ctx.subscription();
      const rg = String(a.str("resourceGroup"));
      const asg = (v: string) => toResourceId(sub, rg, v, NS, "applicationSecurityGroups");
      const props = buildSecurityRule({
        priority: Number(a.int("priority")),
        access: a.str("access"),
        direction: a.str("direction"),
        protocol: a.str("protocol"),
        description: a.str("description"),
        sourceAddressPrefixes: a.has("sourceAddressPrefixes") ? a.list("sourceAddressPrefixes") : undefined,
        sourcePortRanges: a.has("sourcePortRanges") ? a.list("sourcePortRanges") : undefined,
        destinationAddressPrefixes: a.has("destinationAddressPrefixes")
          ? a.list("destinationAddressPrefixes")
          : undefined,
        destinationPortRanges: a.has("destinationPortRanges") ? a.list("destinationPortRanges") : undefined,
        sourceAsgIds: a.list("sourceAsgs")?.map(asg),
        destinationAsgIds: a.list("destinationAsgs")?.map(asg),
      });
      const path = providerPath(
        sub,
        rg,
        NS,
        "networkSecurityGroups",
        String(a.str("nsgName")),
        "securityRules",
        String(a.str("name")),
      );
      return arm.lro("PUT", path, API.network, { properties: props });
    },
  },
  "network nsg rule show": showCommand(rule),
  "network nsg rule list": {
    ...listCommand(rule, "List all rules in a network security group."),
    flags: [
      ...listCommand(rule).flags,
      flag("--include-default:bool", "Include default security rules in the output."),
    ],
    run: async (ctx) => {
      const arm = await ctx.arm();
      const sub = await ctx.subscription();
      const path = providerPath(
        sub,
        String(ctx.args.str("resourceGroup")),
        NS,
        "networkSecurityGroups",
        String(ctx.args.str("nsgName")),
      );
      const rules = await arm.list(`${path}/securityRules`, API.network);
      if (!ctx.args.bool("includeDefault")) return rules;
      const group = await arm.get(path, API.network);
      const props = isObject(group.properties as Json) ? (group.properties as Record<string, unknown>) : {};
      return [...rules, ...((props.defaultSecurityRules as unknown[]) ?? [])];
    },
  },
  "network nsg rule delete": deleteCommand(rule, { noWait: false }),
};
