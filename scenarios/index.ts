// Every scenario, in seed order; bench/scenarios.mjs and the tests run this list.
import { scenario as staticEgressGateway } from "./001-static-egress-gateway.js";
import { scenario as kubenetByoSubnet } from "./002-kubenet-byo-subnet.js";
import { scenario as nodePublicIps } from "./003-node-public-ips.js";
import { scenario as hci } from "./004-hci.js";
import type { Scenario } from "./runner.js";

export const SCENARIOS: readonly Scenario[] = [staticEgressGateway, kubenetByoSubnet, nodePublicIps, hci];
