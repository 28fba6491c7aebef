// Issue 8 item 14: `npm run bench` failed because bench/run.js did not exist.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

describe("npm run bench", () => {
  it("runs bench/run.js, which exists (it did not), and names the suites for an unknown one", async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8")) as {
      scripts: { bench: string };
    };
    expect(pkg.scripts.bench).toBe("node bench/run.js");
    expect(fs.existsSync(path.join(repo, "bench", "run.js"))).toBe(true);
    const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, [path.join(repo, "bench", "run.js"), "nosuch"], (err, _out, stderr) =>
        resolve({ code: err ? Number(err.code) : 0, stderr }),
      ),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "unknown suite 'nosuch'; choose from: arm, cluster-create, nodeips, scenarios, workloads",
    );
  });
});
