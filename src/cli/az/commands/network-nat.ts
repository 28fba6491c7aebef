// az network nat gateway create|show|list|delete.

import { AVAILABILITY_ZONES, toResourceId } from "../common.js";
import { flag } from "../parser.js";
import { createCommand, deleteCommand, listCommand, networkKind, showCommand } from "../resource.js";
import type { CommandTable } from "../types.js";

const NS = "Microsoft.Network";
const nat = networkKind(["natGateways"], "NAT gateway");

export const COMMANDS: CommandTable = {
  "network nat gateway create": createCommand(nat, {
    summary: "Create a NAT gateway.",
    nameHelp: "Name of the NAT gateway.",
    noWait: true,
    flags: [
      flag("--public-ip-addresses:list", "Space-separated list of public IP addresses (names or IDs)."),
      flag("--public-ip-prefixes:list", "Space-separated list of public IP prefixes (names or IDs)."),
      flag("--idle-timeout", "Idle timeout in minutes."),
      flag("--zone -z:list", "Availability zone into which to provision the resource.", {
        dest: "zone",
        choices: AVAILABILITY_ZONES,
      }),
    ],
    examples: [
      {
        title: "Create a NAT gateway.",
        command:
          "az network nat gateway create -g MyResourceGroup -n MyNatGateway --public-ip-addresses MyPublicIp --idle-timeout 4",
      },
    ],
    body: (a, sub, rg) => {
      const refs = (key: string, type: string) =>
        (a.list(key) ?? []).map((v) => ({ id: toResourceId(sub, rg, v, NS, type) }));
      const props: Record<string, unknown> = {};
      const ips = refs("publicIpAddresses", "publicIPAddresses");
      const prefixes = refs("publicIpPrefixes", "publicIPPrefixes");
      if (ips.length) props.publicIpAddresses = ips;
      if (prefixes.length) props.publicIpPrefixes = prefixes;
      const idle = a.str("idleTimeout");
      if (idle !== undefined) props.idleTimeoutInMinutes = Number(idle);
      const zones = a.list("zone");
      return { sku: { name: "Standard" }, ...(zones?.length ? { zones } : {}), properties: props };
    },
  }),
  "network nat gateway show": showCommand(nat),
  "network nat gateway list": listCommand(nat, "List NAT gateways."),
  "network nat gateway delete": deleteCommand(nat, { noWait: true }),
};
