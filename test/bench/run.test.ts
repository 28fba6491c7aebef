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
    // The bench runs with the node settings `aksnet start` runs with (bin/aksnet.js's shebang).
    const shebang = fs.readFileSync(path.join(repo, "bin", "aksnet.js"), "utf8").split("\n")[0];
    const settings = shebang.replace(/^#!\/usr\/bin\/env -S /, "");
    expect(settings).toBe("GLIBC_TUNABLES=glibc.malloc.hugetlb=1 node --max-semi-space-size=64");
    expect(pkg.scripts.bench).toBe(`${settings} bench/run.js`);
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
