// Runs every benchmark in turn (build first: npm run build). Each prints its own table.
const only = process.argv[2];
const suites = {
  arm: "./arm.mjs",
  "cluster-create": "./cluster-create.mjs",
  nodeips: "./node-public-ips.mjs",
  scenarios: "./scenarios.mjs",
  workloads: "./workloads.mjs",
  kube: "./kube.mjs",
};
for (const [name, file] of Object.entries(suites)) {
  if (only && only !== name) continue;
  const mod = await import(file);
  await mod.run();
}
