import { scenario } from "./003-node-public-ips.js";
import { describeScenario } from "./vitest-scenario.js";

describeScenario(scenario);
