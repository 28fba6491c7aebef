import { scenario } from "./001-static-egress-gateway.js";
import { describeScenario } from "./vitest-scenario.js";

describeScenario(scenario);
