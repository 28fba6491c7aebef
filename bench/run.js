// `npm run bench [arm|cluster-create|nodeips|scenarios]` (build first: npm run build).
// Runs each suite in turn; each prints its own aligned table of ratios against a baseline
// measured in the same run.
import fs from "node:fs";
import path from "node:path";

const suites = {
  arm: "./arm.mjs",
  "cluster-create": "./cluster-create.mjs",
  nodeips: "./node-public-ips.mjs",
  scenarios: "./scenarios.mjs",
  workloads: "./workloads.mjs",
  "workloads-api": "./workloads-api.mjs",
  "store-writes": "./store-writes.mjs",
  services: "./services.mjs",
  hci: "./hci.mjs",
  "large-inputs": "./large-inputs.mjs",
  store: "./store.mjs",
  kube: "./kube.mjs",
  egress: "./egress.mjs",
  fields: "./fields.mjs",
};
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const only = process.argv.slice(2);
const unknown = only.filter((n) => !(n in suites));
if (unknown.length) {
  process.stderr.write(
    `bench: unknown suite ${unknown.map((n) => `'${n}'`).join(", ")}; choose from: ${Object.keys(suites).join(", ")}\n`,
  );
  process.exit(2);
}
if (!fs.existsSync(path.join(root, "dist", "cli", "main.js"))) {
  process.stderr.write("bench: dist/ is missing; run `npm run build` first\n");
  process.exit(2);
}
for (const [name, file] of Object.entries(suites)) {
  if (only.length && !only.includes(name)) continue;
  console.log(`\n== ${name} ==`);
  const t0 = performance.now();
  const mod = await import(file);
  await mod.run();
  console.log(`\n(${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
