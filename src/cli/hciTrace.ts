// `aksnet trace --hci-cluster <name> --from <ns/pod> --to <ns/pod|ip> -p <port/proto>`: can one
// pod of an AKS-on-HCI workload cluster reach another pod (or a VM), and which plugin row or
// NetworkPolicy decided (hci/trace.ts, through the HCI face's POST /reach). Finds the emulator
// and signs in as `aksnet hci` does.
import { Command } from "commander";
import { ArmClient, parseErrorBody, resolveTarget } from "./az/arm.js";
import { processIo } from "./az/io.js";

interface Options {
  hciCluster: string;
  from: string;
  to: string;
  port: string;
  dataDir?: string;
  output: string;
}

interface Result {
  allowed: boolean;
  decidedBy: string;
  reason: string;
  notEnforced: string[];
  cluster: string;
  plugin: string;
  from: { pod: string; ip?: string; node?: string };
  to: { pod?: string; vm?: string; ip?: string; node?: string; sameNetwork?: boolean };
  port: number;
  protocol: string;
  policies: string[];
}

export async function runHciTraceCommand(args: string[]): Promise<number> {
  const program = new Command("aksnet trace")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .description("Can a pod of an AKS-on-HCI cluster reach another pod or a VM, and what decides")
    .requiredOption("--hci-cluster <name>", "the AksHci workload cluster")
    .requiredOption("--from <pod>", "namespace/name of the source pod")
    .requiredOption("--to <pod|ip>", "namespace/name of the destination pod, or a VM's IPv4 address")
    .requiredOption("-p, --port <port/proto>", "e.g. 80/tcp, 53/udp")
    .option("--data-dir <dir>", "where aksnet.json lives (default ./.aksnet, env AKSNET_DATA_DIR)")
    .option("-o, --output <format>", "table or json", "table");
  try {
    program.parse(args, { from: "user" });
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }
  const o = program.opts<Options>();
  const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/i.exec(o.port);
  if (!m) {
    process.stderr.write(`aksnet trace: --port must be <port>[/tcp|udp|sctp], not '${o.port}'\n`);
    return 2;
  }
  if (o.output !== "table" && o.output !== "json") {
    process.stderr.write(`aksnet trace: --output must be table or json, not '${o.output}'\n`);
    return 2;
  }
  const io = await processIo();
  if (o.dataDir) io.env = { ...io.env, AKSNET_DATA_DIR: o.dataDir };
  let res: Awaited<ReturnType<ArmClient["request"]>>;
  try {
    res = await new ArmClient(resolveTarget(io), io).request("POST", "/_aksnet/hci/reach", {
      body: {
        cluster: o.hciCluster,
        from: o.from,
        to: o.to,
        port: Number(m[1]),
        protocol: (m[2] ?? "tcp").toUpperCase(),
      },
      raw: true,
    });
  } catch (e) {
    process.stderr.write(`aksnet trace: ${e instanceof Error ? e.message : String(e)}\n`);
    return 3;
  }
  if (res.status >= 400) {
    const e = parseErrorBody(res.body);
    process.stderr.write(`aksnet trace: (${e?.code ?? res.status}) ${e?.message ?? "request failed"}\n`);
    return res.status === 404 ? 3 : 1;
  }
  const r = res.body as unknown as Result;
  process.stdout.write(o.output === "json" ? `${JSON.stringify(r, null, 2)}\n` : renderHci(r));
  return 0;
}

const at = (x: { ip?: string; node?: string }) =>
  x.ip ? ` (${x.ip}${x.node ? ` on ${x.node}` : ""})` : x.node ? ` (on ${x.node}, no address yet)` : "";

/** The human answer: the verdict, what decided, and the policies Flannel ignored. */
export function renderHci(r: Result): string {
  const dest = r.to.pod
    ? `${r.to.pod}${at(r.to)}`
    : `VM ${r.to.vm} (${r.to.sameNetwork ? "in" : "outside"} the cluster's network)`;
  const lines = [
    `Trace ${r.port}/${r.protocol} from ${r.from.pod}${at(r.from)} to ${dest} in ${r.cluster} (${r.plugin})`,
    "",
    `  ${r.allowed ? "ALLOWED" : "DENIED"}  decided by ${r.decidedBy}`,
    `  ${r.reason}`,
  ];
  if (r.notEnforced.length)
    lines.push(`  not enforced by ${r.plugin}: ${r.notEnforced.join(", ")} (would have denied)`);
  lines.push(`  NetworkPolicies in the cluster: ${r.policies.length ? r.policies.join(", ") : "none"}`);
  return `${lines.join("\n")}\n`;
}
