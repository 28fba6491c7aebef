import { scenario } from "./004-hci.js";
import { describeScenario } from "./vitest-scenario.js";

describeScenario(scenario);
