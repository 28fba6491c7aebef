// az network route-table create|show|list|delete and az network route-table route create|show|list|delete.

import { API, nameFlag, noWaitFlag, providerPath, rgFlag } from "../common.js";
import { flag } from "../parser.js";
import { createCommand, deleteCommand, listCommand, networkKind, showCommand } from "../resource.js";
import type { CommandTable } from "../types.js";

const NS = "Microsoft.Network";
const rtNameFlag = () => flag("--route-table-name", "Route table name.", { required: true });
const table = networkKind(["routeTables"], "route table");
const route = networkKind(["routeTables", "routes"], "route", { parentFlags: [rtNameFlag()] });

export const NEXT_HOP_TYPES = [
  "Internet",
  "None",
  "VirtualAppliance",
  "VirtualNetworkGateway",
  "VnetLocal",
] as const;

export const COMMANDS: CommandTable = {
  "network route-table create": createCommand(table, {
    summary: "Create a route table.",
    nameHelp: "Name of the route table.",
    flags: [flag("--disable-bgp-route-propagation:tri", "Disable routes learned by BGP.")],
    examples: [
      {
        title: "Create a route table.",
        command: "az network route-table create -g MyResourceGroup -n MyRouteTable",
      },
    ],
    body: (a) => {
      const bgp = a.tri("disableBgpRoutePropagation");
      return { properties: bgp === undefined ? {} : { disableBgpRoutePropagation: bgp } };
    },
  }),
  "network route-table show": showCommand(table),
  "network route-table list": listCommand(table, "List route tables."),
  "network route-table delete": deleteCommand(table, { noWait: true }),
  "network route-table route create": {
    summary: "Create a route in a route table.",
    style: "aaz",
    flags: [
      rgFlag(),
      rtNameFlag(),
      nameFlag("Route name."),
      flag("--address-prefix", "The destination CIDR to which the route applies.", { required: true }),
      flag("--next-hop-type", "The type of Azure hop the packet should be sent to.", {
        choices: NEXT_HOP_TYPES,
        required: true,
      }),
      flag(
        "--next-hop-ip-address",
        "The IP address packets should be forwarded to when using the VirtualAppliance hop type.",
      ),
      noWaitFlag(),
    ],
    examples: [
      {
        title: "Create a route that forces all inbound traffic to a Network Virtual Appliance.",
        command:
          "az network route-table route create -g MyResourceGroup --route-table-name MyRouteTable -n MyRoute --next-hop-type VirtualAppliance --address-prefix 10.0.0.0/16 --next-hop-ip-address 10.0.100.4",
      },
    ],
    run: async (ctx) => {
      const a = ctx.args;
      const arm = await ctx.arm();
      const sub = await ctx.subscription();
      const rg = String(a.str("resourceGroup"));
      const props: Record<string, unknown> = {
        addressPrefix: a.str("addressPrefix"),
        nextHopType: a.str("nextHopType"),
      };
      if (a.str("nextHopIpAddress")) props.nextHopIpAddress = a.str("nextHopIpAddress");
      const path = providerPath(
        sub,
        rg,
        NS,
        "routeTables",
        String(a.str("routeTableName")),
        "routes",
        String(a.str("name")),
      );
      return arm.lro("PUT", path, API.network, { properties: props }, { noWait: a.bool("noWait") });
    },
  },
  "network route-table route show": showCommand(route),
  "network route-table route list": listCommand(route, "List routes in a route table."),
  "network route-table route delete": deleteCommand(route, { noWait: true }),
};
