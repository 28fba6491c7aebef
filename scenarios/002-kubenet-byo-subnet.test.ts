import { scenario } from "./002-kubenet-byo-subnet.js";
import { describeScenario } from "./vitest-scenario.js";

describeScenario(scenario);
