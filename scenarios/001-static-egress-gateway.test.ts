import fs from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { DEPLOYMENT_YAML, SGC_YAML, scenario } from "./001-static-egress-gateway.js";
import { normalizeCommand, repoRoot } from "./runner.js";
import { describeScenario } from "./vitest-scenario.js";

describeScenario(scenario);

const seedsDir = process.env.AKSNET_SEEDS_DIR ?? path.resolve(repoRoot, "../shared/seeds");
const seedFile = fs.existsSync(seedsDir)
  ? fs.readdirSync(seedsDir).find((f) => f.startsWith("001_"))
  : undefined;

// The YAML steps pipe the seed's manifests to kubectl: they must be the seed's text (indentation aside).
it.skipIf(!seedFile)(
  "the StaticGatewayConfiguration and Deployment manifests are the seed's, verbatim",
  () => {
    const seed = normalizeCommand(fs.readFileSync(path.join(seedsDir, seedFile ?? ""), "utf8"));
    expect(seed).toContain(normalizeCommand(SGC_YAML));
    expect(seed).toContain(normalizeCommand(DEPLOYMENT_YAML));
  },
);
