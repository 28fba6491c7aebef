import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { defineConfig } from "vitest/config";
import { createCa } from "./src/server/tls.js";

// One CA for every emulator the tests start: Node reads NODE_EXTRA_CA_CERTS only at
// process start, so it is created here, before the workers fork and inherit it.
const caDir = path.resolve("test/.ca");
if (!fs.existsSync(path.join(caDir, "ca.pem"))) await createCa(caDir);
process.env.NODE_EXTRA_CA_CERTS = path.join(caDir, "ca.pem");
process.env.AKSNET_TEST_CA_DIR = caDir;
// Objects the API hands to the store's watchers are shared: frozen in tests, so code that
// changes one after the write fails here instead of corrupting the controllers' cache.
process.env.AKSNET_FREEZE_OWNED = "1";

// The Kubernetes face's schemas are generated from @kubernetes/client-node at build time
// (scripts/gen-kube-schemas.mjs); make them when tests run before any build.
if (!fs.existsSync(path.resolve("generated/kube-schemas.json"))) execFileSync(process.execPath, ["scripts/gen-kube-schemas.mjs"]);

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "scenarios/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end files each start their own emulator; two workers match the 2-core machines.
    maxWorkers: 2,
  },
});
