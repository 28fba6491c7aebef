// Shared setup for the Kubernetes-face tests: an emulator, managed clusters created through
// ARM (with the Kubernetes version their /version reports), kubeconfigs from
// listClusterUserCredential written to temp files, and a kubectl runner with its own cache dir.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { startTestEmulator, type TestEmulator, tempDir } from "../helpers/emulator.js";

const run = promisify(execFile);

// biome-ignore lint/suspicious/noExplicitAny: the tests walk arbitrary JSON answers
export type Obj = Record<string, any>;

/** Writes a manifest to a fresh temp file for `kubectl apply -f` (returns its path). */
export function manifestFile(content: string, name = "m.yaml"): string {
  const p = path.join(tempDir("aksnet-manifest-"), name);
  fs.writeFileSync(p, content);
  return p;
}

export interface KubeCluster {
  name: string;
  uid: string;
  server: string;
  token: string;
  adminToken: string;
  kubeconfig: string;
  kubeconfigPath: string;
}

export async function startKubeEmulator(): Promise<TestEmulator> {
  return startTestEmulator({ pageSize: 1000 });
}

export async function createCluster(
  emu: TestEmulator,
  name: string,
  version: string,
  rg = "kube-rg",
): Promise<KubeCluster> {
  const sub = `/subscriptions/${emu.subscriptionId}`;
  await emu.arm("PUT", `${sub}/resourcegroups/${rg}?api-version=2021-04-01`, { location: "eastus" });
  const id = `${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters/${name}`;
  const put = await emu.arm("PUT", `${id}?api-version=2024-05-01`, {
    location: "eastus",
    identity: { type: "SystemAssigned" },
    properties: {
      kubernetesVersion: version,
      dnsPrefix: name,
      agentPoolProfiles: [
        { name: "nodepool1", count: 1, vmSize: "Standard_DS2_v2", mode: "System", osType: "Linux" },
      ],
      networkProfile: { networkPlugin: "kubenet" },
    },
  });
  if (put.status >= 300) throw new Error(`cluster PUT failed: ${put.status} ${put.text}`);
  const cred = async (kind: "User" | "Admin") => {
    const r = await emu.arm("POST", `${id}/listCluster${kind}Credential?api-version=2024-05-01`);
    if (r.status !== 200) throw new Error(`credential failed: ${r.status} ${r.text}`);
    const b = r.body as { kubeconfigs: { value: string }[] };
    return Buffer.from(b.kubeconfigs[0].value, "base64").toString("utf8");
  };
  const kubeconfig = await cred("User");
  const admin = await cred("Admin");
  const server = /server: (\S+)/.exec(kubeconfig)![1];
  const token = /token: (\S+)/.exec(kubeconfig)![1];
  const adminToken = /token: (\S+)/.exec(admin)![1];
  const dir = tempDir("aksnet-kubeconfig-");
  const kubeconfigPath = path.join(dir, "config");
  fs.writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
  return { name, uid: server.split("/clusters/")[1], server, token, adminToken, kubeconfig, kubeconfigPath };
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** kubectl that must succeed quietly: its stdout, else an error carrying the exit code and stderr. */
export async function kubectlOk(c: KubeCluster, args: string[], input?: string): Promise<string> {
  const r = await kubectl(c, args, input);
  if (r.code !== 0 || r.stderr !== "")
    throw new Error(`kubectl ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Runs the machine's kubectl against a cluster, with a private HOME and cache dir. */
export async function kubectl(
  c: KubeCluster,
  args: string[],
  input?: string,
  /** Sees stdout as it comes (a `--watch` the test acts on once it has started). */
  onStdout?: (chunk: string) => void,
): Promise<KubectlResult> {
  const home = path.join(path.dirname(c.kubeconfigPath), "home");
  fs.mkdirSync(home, { recursive: true });
  const full = [...args, "--cache-dir", path.join(home, "cache")];
  const env = { ...process.env, KUBECONFIG: c.kubeconfigPath, HOME: home };
  return new Promise((resolve) => {
    const child = execFile(
      "/usr/bin/kubectl",
      full,
      { env, timeout: 60_000, maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === "number"
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (onStdout) child.stdout?.on("data", (d) => onStdout(String(d)));
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** A raw request to the cluster's API with its user token. */
export async function kube(
  c: KubeCluster,
  method: string,
  p: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
  const res = await fetch(`${c.server}${p}`, {
    method,
    headers: {
      authorization: `Bearer ${c.token}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** A table kubectl printed, as rows of cells (columns are two or more spaces apart). */
export const rows = (s: string) =>
  s
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s{2,}/));

export { run };
