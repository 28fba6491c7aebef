// `aksnet trace` as a user runs it: the built bin/aksnet.js (run `npx tsc -p tsconfig.json`
// first), finding the emulator through <data-dir>/aksnet.json like `aksnet status`.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { PortRange } from "@azure/arm-containerservice";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TraceResult } from "../../src/providers/views/reachability.js";
import { type Clients, clusterBody, startClients } from "../e2e/aks-helpers.js";
import { pool } from "../e2e/aks-nodenet-helpers.js";
import { tempDir } from "../helpers/emulator.js";

const run = promisify(execFile);
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const bin = path.join(repo, "bin", "aksnet.js");

let c: Clients;
let dataDir: string;
const RG = "clitrace";

async function trace(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [bin, "trace", ...args], {
      env: { PATH: process.env.PATH ?? "", AKSNET_DATA_DIR: dataDir },
      cwd: dataDir,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? 1, stdout: x.stdout ?? "", stderr: x.stderr ?? "" };
  }
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(repo, "dist", "cli", "trace.js")))
    throw new Error("dist/cli/trace.js is missing: build first (npx tsc -p tsconfig.json)");
  c = await startClients();
  dataDir = tempDir("aksnet-trace-cli-");
  fs.writeFileSync(
    path.join(dataDir, "aksnet.json"),
    JSON.stringify({
      armEndpoint: c.emu.url,
      caFile: c.emu.caFile,
      tenantId: c.emu.tenantId,
      subscriptionId: c.emu.subscriptionId,
      pid: process.pid,
      dataDir,
      inMemory: true,
    }),
  );
  // The CLI's admin credential, as `aksnet start` leaves it in its data dir.
  fs.writeFileSync(path.join(dataDir, "admin.token"), `${c.emu.adminSecret}\n`, { mode: 0o600 });
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
  const body = clusterBody({ count: 1 });
  const first = body.agentPoolProfiles?.[0];
  if (!first) throw new Error("no pool");
  first.enableNodePublicIP = true;
  const ports: PortRange[] = [{ portStart: 40000, portEnd: 60000, protocol: "TCP" }];
  body.agentPoolProfiles?.push({
    ...pool({ count: 2, enableNodePublicIP: true, networkProfile: { allowedHostPorts: ports } }),
    name: "hp",
  });
  await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "tc", body);
});
afterAll(async () => {
  await c?.emu.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("aksnet trace", () => {
  it("prints one aligned row per node: verdict, deciding rule, priority, NSG", async () => {
    const r = await trace("--resource-group", RG, "--cluster", "tc", "--port", "46645/tcp");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("Trace 46645/tcp from Internet to the nodes of tc (clitrace)");
    const header = lines[2];
    expect(header).toMatch(/^NODE +POOL +PUBLIC IP +PRIVATE IP +VERDICT +RULE +PRIORITY +NSG +POD$/);
    const rows = lines.slice(3, 6);
    const col = (name: string) => header.indexOf(name);
    for (const row of rows) {
      // Aligned: every cell starts under its heading.
      expect(row[col("VERDICT") - 1]).toBe(" ");
      expect(row.slice(col("VERDICT")).split(/ +/)[0]).toMatch(/^(Allow|Deny)$/);
    }
    const cells = rows.map((row) => row.split(/ {2,}/));
    expect(cells.map((x) => [x[1], x[4], x[5], x[6]])).toEqual([
      ["nodepool1", "Deny", "DenyAllInBound", "65500"],
      ["hp", "Allow", "aks-hostport-hp-tcp-40000-60000", "200"],
      ["hp", "Allow", "aks-hostport-hp-tcp-40000-60000", "200"],
    ]);
    expect(cells[0][7]).toMatch(/^aks-agentpool-\d{8}-nsg \(subnet\)$/);
    expect(cells[1][7]).toMatch(/^aks-agentpool-\d{8}-nsg \(nic\)$/);
    expect(r.stdout).toContain("2 allowed, 1 denied.");
  });

  it("-v adds each NSG's reasoning: why the decider matched, why each earlier rule did not", async () => {
    const r = await trace("-g", RG, "-c", "tc", "--nodepool", "nodepool1", "--port", "46645/tcp", "-v");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/subnet NSG aks-agentpool-\d{8}-nsg: Deny by DenyAllInBound \(65500\)/);
    expect(r.stdout).toContain("not matched:");
    expect(r.stdout).toMatch(
      / {6}200 +aks-hostport-hp-tcp-40000-60000 {2}the destination NIC is not in ASG aks-hp-\d{8}-asg \(it is in no ASG\)/,
    );
    expect(r.stdout).toMatch(/ {6}65000 {2}AllowVnetInBound +source Internet is not VirtualNetwork\n/);
    // The cluster NSG sits on the managed subnet and on the NIC: the second pass is not repeated.
    expect(r.stdout).toMatch(
      /nic NSG aks-agentpool-\d{8}-nsg: the same NSG again \(Deny by DenyAllInBound\), not reached/,
    );
  });

  it("-o json prints the endpoint's answer; --from an address inside the VNet", async () => {
    const r = await trace("-g", RG, "-c", "tc", "--port", "8080/tcp", "--from", "10.224.0.99", "-o", "json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as TraceResult;
    expect(j.from).toBe("10.224.0.99");
    expect(j.nodes.map((n) => n.decidingRule?.name)).toEqual(Array(3).fill("AllowVnetInBound"));
  });

  it("errors: bad port (1), unknown cluster (3), no emulator (3), bad flag (2)", async () => {
    const bad = await trace("-g", RG, "-c", "tc", "--port", "80/icmp");
    expect([bad.code, bad.stderr.trim()]).toEqual([
      1,
      "aksnet trace: (InvalidRequestContent) Invalid port '80/icmp': expected <port>/<tcp|udp> with a port between 1 and 65535 (e.g. 8080/tcp), or icmp.",
    ]);
    const missing = await trace("-g", RG, "-c", "nope", "--port", "80/tcp");
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/ResourceNotFound/);
    const empty = tempDir("aksnet-trace-none-");
    const none = await trace("-g", RG, "-c", "tc", "--port", "80/tcp", "--data-dir", empty);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/aksnet is not running for/);
    fs.rmSync(empty, { recursive: true, force: true });
    expect((await trace("-g", RG, "--port", "80/tcp")).code).toBe(2);
  });
});
