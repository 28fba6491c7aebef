// `aksnet trace`: asks the running emulator (found through <data-dir>/aksnet.json, like
// `aksnet status`) whether a node port is reachable, and prints per node the verdict and the
// NSG rule that decided it; `-v` adds the rules examined before it and why each did not match.
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import { Command } from "commander";
import type { ClusterTraceResult } from "../kube/trace/clusterTrace.js";
import type { EndpointHop } from "../kube/trace/podToService.js";
import type { PodTraceResult } from "../kube/trace/podTrace.js";
import type { NodeEgressTraceResult } from "../providers/views/nodeEgressTrace.js";
import type { NodeTrace } from "../providers/views/reachability.js";
import { readAdminToken, readInfo, running } from "./info.js";

interface Options {
  resourceGroup: string;
  cluster: string;
  nodepool?: string;
  node?: string;
  port?: string;
  from?: string;
  fromPod?: string;
  egress?: string;
  to?: string;
  subscription?: string;
  dataDir?: string;
  output: string;
  verbose?: boolean;
}

export async function runTraceCommand(args: string[]): Promise<number> {
  // AKS on HCI: pod to pod (or VM) by the cluster's plugin and NetworkPolicies (hciTrace.ts).
  if (args.some((a) => a === "--hci-cluster" || a.startsWith("--hci-cluster=")))
    return (await import("./hciTrace.js")).runHciTraceCommand(args);
  const program = new Command("aksnet trace")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .description("Explain whether traffic reaches a port on a cluster's nodes, and which NSG rule decides")
    .requiredOption("-g, --resource-group <group>", "the cluster's resource group")
    .requiredOption("-c, --cluster <name>", "the managed cluster")
    .option("--nodepool <pool>", "only this agent pool's nodes")
    .option(
      "--node <name|ip>",
      "only this node (computer name, private IP or public IP); a tcp/udp trace ends at the pod holding the port",
    )
    .option("-p, --port <port/proto>", "e.g. 8080/tcp, 53/udp, or icmp (or as part of --to)")
    .option("--from <source>", "Internet (default), VirtualNetwork, AzureLoadBalancer or an IP address")
    .option("--from-pod <ns/pod>", "trace a packet from this pod, hop by hop (needs --to)")
    .option(
      "--egress <ip>",
      "how the nodes' traffic to this address leaves: route, SNAT (NAT gateway, node public IP, LB outbound rule) and the source the destination sees",
    )
    .option(
      "--to <ip|name>[:port/proto]",
      "a load balancer frontend address or a Service's DNS name (<svc>.<ns>.svc.cluster.local): through its rule to the backend nodes and the Service's pods; or a node's address; with --from-pod any address or name, e.g. 20.1.2.3:443/tcp",
    )
    .option("--subscription <id>", "subscription (default: the emulator's)")
    .option("--data-dir <dir>", "where aksnet.json lives (default ./.aksnet, env AKSNET_DATA_DIR)")
    .option("-o, --output <format>", "table or json", "table")
    .option("-v, --verbose", "also show the rules that did not match and why");
  try {
    program.parse(args, { from: "user" });
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }
  const o = program.opts<Options>();
  if (o.output !== "table" && o.output !== "json") {
    process.stderr.write(`aksnet trace: --output must be table or json, not '${o.output}'\n`);
    return 2;
  }
  const dataDir = path.resolve(o.dataDir ?? process.env.AKSNET_DATA_DIR ?? ".aksnet");
  const info = readInfo(dataDir);
  if (!info || !running(dataDir)) {
    process.stderr.write(
      `aksnet is not running for ${dataDir} (start it with: aksnet start --data-dir ${dataDir})\n`,
    );
    return 3;
  }
  const podTrace = o.fromPod !== undefined;
  const egressTrace = !podTrace && o.egress !== undefined;
  if (podTrace ? !o.to : !egressTrace && !o.port && !o.to) {
    process.stderr.write(
      podTrace
        ? "aksnet trace: --from-pod needs --to <ip|name>[:<port>/<proto>]\n"
        : "aksnet trace: required option '-p, --port <port/proto>' not specified\n",
    );
    return 2;
  }
  const body = {
    resourceGroup: o.resourceGroup,
    cluster: o.cluster,
    ...(o.port ? { port: o.port } : {}),
    ...(podTrace ? { fromPod: o.fromPod } : {}),
    ...(egressTrace ? { egressTo: o.egress } : {}),
    ...(o.nodepool ? { nodepool: o.nodepool } : {}),
    ...(o.node ? { node: o.node } : {}),
    ...(o.from ? { from: o.from } : {}),
    ...(o.to ? { to: o.to } : {}),
    subscriptionId: o.subscription ?? info.subscriptionId,
  };
  const caFile = path.isAbsolute(info.caFile) ? info.caFile : path.resolve(dataDir, info.caFile);
  const res = await postJson(`${info.armEndpoint}/_aksnet/trace`, caFile, body, readAdminToken(dataDir));
  if (res.status !== 200) {
    const e = (res.body as { error?: { code?: string; message?: string } } | undefined)?.error;
    process.stderr.write(`aksnet trace: (${e?.code ?? res.status}) ${e?.message ?? "request failed"}\n`);
    return res.status === 404 ? 3 : 1;
  }
  if (o.output === "json") process.stdout.write(`${JSON.stringify(res.body, null, 2)}\n`);
  else if (podTrace) process.stdout.write(renderPod(res.body as PodTraceResult));
  else if (egressTrace) process.stdout.write(renderEgress(res.body as NodeEgressTraceResult));
  else process.stdout.write(render(res.body as ClusterTraceResult, o.verbose));
  return 0;
}

// ---- rendering ------------------------------------------------------------------------------------

function table(rows: string[][], indent = ""): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      `${indent}${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ")}`.trimEnd(),
    )
    .join("\n");
}

const nsgLabel = (n: NodeTrace) =>
  n.decidingRule ? `${n.decidingRule.nsgName} (${n.decidingRule.level})` : "-";

/** The human answer: one aligned row per node, then notes, then (-v) every NSG's reasoning. */
export function render(r: ClusterTraceResult, verbose = false): string {
  const cluster = r.cluster.split("/").pop();
  const out: string[] = [
    `Trace ${r.port} from ${r.from} to the nodes of ${cluster} (${r.resourceGroup})`,
    "",
  ];
  if (r.dns && "fqdn" in r.dns)
    out.push(
      `${r.dns.query} → ${r.dns.fqdn} (cluster DNS, kube-dns ${r.dns.server ?? ""}) → ${r.loadBalancer?.frontendIp ?? ""}`,
      "",
    );
  const lb = r.loadBalancer;
  if (lb) {
    const probe = lb.probe
      ? `probe ${lb.probe.protocol} ${lb.probe.port}${lb.probe.requestPath ? ` ${lb.probe.requestPath}` : ""}`
      : "no probe";
    out.push(
      `${r.from} → ${lb.frontendIp}:${lb.frontendPort} = frontend ${lb.frontend} of ${lb.loadBalancer}`,
      `  → rule ${lb.rule} (${lb.protocol}, ${probe}, floating IP ${lb.floatingIP ? "on: nodes see the frontend address" : `off: to node port ${lb.backendPort}`})`,
      `  → backend pool ${lb.backendPoolId.split("/").pop()}: the nodes below`,
      "",
    );
  }
  if (!r.nodes.length) return `${out.join("\n")}No nodes.\n`;
  // Straight to a node port, the last hop is the pod holding it as hostPort (or nobody).
  const pods = r.nodes.some((n) => n.receiver);
  const rows = [
    [
      "NODE",
      "POOL",
      "PUBLIC IP",
      "PRIVATE IP",
      "VERDICT",
      "RULE",
      "PRIORITY",
      "NSG",
      ...(pods ? ["POD"] : []),
    ],
  ];
  for (const n of r.nodes)
    rows.push([
      n.node,
      n.pool,
      n.publicIp ?? "-",
      n.privateIp,
      n.verdict,
      n.decidingRule?.name ?? "(no NSG)",
      n.decidingRule ? String(n.decidingRule.priority) : "-",
      nsgLabel(n),
      ...(pods ? [n.receiver?.pod ? `${n.receiver.pod.namespace}/${n.receiver.pod.name}` : "(none)"] : []),
    ]);
  out.push(table(rows));
  if (pods) out.push("", "Path:", ...r.nodes.map((n) => `  ${n.node}: ${(n.path ?? []).join(" → ")}`));
  const notes = r.nodes.flatMap((n) => n.notes.map((t) => `${n.node}: ${t}`));
  if (notes.length) out.push("", "Notes:", ...notes.map((t) => `  ${t}`));
  out.push("", `${r.summary.allowed} allowed, ${r.summary.denied} denied.`);
  if (r.service) {
    const s = r.service;
    out.push("", `→ Service ${s.service.namespace}/${s.service.name}:`, ...s.steps.map((t) => `  ${t}`), "");
    if (s.endpoints.length) out.push(endpointTable(s.endpoints));
    for (const n of s.notReady) out.push(`  not ready (kube-proxy skips it): ${n.pod || n.ip} ${n.ip}`);
    out.push(
      "",
      `Endpoints: ${s.summary} (NetworkPolicy ${s.networkPolicy.enforced ? "enforced" : "not enforced"}: networkPolicy ${s.networkPolicy.plugin}).`,
    );
  }
  if (verbose) {
    for (const n of r.nodes) {
      out.push("", `${n.node} (${n.privateIp}${n.publicIp ? `, public ${n.publicIp}` : ""})`);
      out.push(`  ASGs: ${n.applicationSecurityGroups.map((a) => a.split("/").pop()).join(", ") || "none"}`);
      let previous: string | undefined;
      for (const l of n.levels) {
        if (!l.nsg || !l.decision) {
          out.push(`  ${l.level} NSG: none (not filtered here)`);
          previous = undefined;
          continue;
        }
        const d = l.decision;
        const reached = l.reached ? "" : ", not reached: an earlier NSG denied";
        // AKS's managed subnet and the node NICs carry the same NSG: say so instead of repeating it.
        if (previous === l.nsg.id.toLowerCase()) {
          out.push(
            `  ${l.level} NSG ${l.nsg.name}: the same NSG again (${d.verdict} by ${d.decidingRule.name})${reached}`,
          );
          continue;
        }
        previous = l.nsg.id.toLowerCase();
        out.push(
          `  ${l.level} NSG ${l.nsg.name}: ${d.verdict} by ${d.decidingRule.name} (${d.decidingRule.priority})${reached}`,
        );
        out.push(`    why: ${d.decidingRule.why.join("; ")}`);
        if (d.notMatched.length) {
          out.push("    not matched:");
          out.push(
            table(
              d.notMatched.map((m) => [
                String(m.priority),
                m.name,
                m.mismatches.map((x) => x.reason).join("; "),
              ]),
              "      ",
            ),
          );
        }
      }
    }
  }
  return `${out.join("\n")}\n`;
}

/** One row per endpoint pod: where it is, the port it receives on, and the NetworkPolicy verdict. */
export function endpointTable(endpoints: EndpointHop[]): string {
  const rows = [["POD", "IP", "NODE", "PORT", "VERDICT", "NETWORKPOLICY"]];
  for (const e of endpoints)
    rows.push([
      e.pod || "-",
      e.ip,
      e.node ?? "-",
      `${e.port}/${e.protocol.toLowerCase()}`,
      e.verdict,
      `${e.policy.enforced ? "" : e.policy.policyAllows ? "(not enforced) " : "would deny, not enforced: "}${e.policy.reason}${e.policy.deniedFrom ? ` (from ${e.policy.deniedFrom.join(", ")})` : ""}`,
    ]);
  return table(rows);
}

/** The pod trace: who sends, one aligned row per hop, the verdict, then notes. */
export function renderPod(r: PodTraceResult): string {
  const f = r.from;
  const dest = `${r.to.text}${r.to.port ? `:${r.to.port}/${r.to.protocol.toLowerCase()}` : ` (${r.to.protocol.toLowerCase()})`}`;
  const out: string[] = [
    `Trace from pod ${f.namespace}/${f.pod} (${f.podIp ?? "no IP"}${f.node ? ` on ${f.node}` : ""}) to ${dest} [${r.to.class}]`,
  ];
  if (f.staticGatewayConfiguration)
    out.push(`  annotated kubernetes.azure.com/static-gateway-configuration=${f.staticGatewayConfiguration}`);
  out.push("");
  const rows = [["#", "HOP", "WHERE", "VERDICT", "SOURCE → DESTINATION", "DECIDED BY"]];
  for (const [i, h] of r.hops.entries())
    rows.push([
      String(i + 1),
      h.what,
      h.where,
      h.verdict,
      h.source || h.destination ? `${h.source || "-"} → ${h.destination || "-"}` : "-",
      h.detail ? `${h.decidedBy}; ${h.detail}` : h.decidedBy,
    ]);
  out.push(table(rows), "", `${r.verdict}: ${r.summary}${r.egressIp ? ` (source seen: ${r.egressIp})` : ""}`);
  if (r.notes.length) out.push("", "Notes:", ...r.notes.map((t) => `  ${t}`));
  return `${out.join("\n")}\n`;
}

// ---- emulator discovery and HTTP ------------------------------------------------------------------

function postJson(
  url: string,
  caFile: string,
  body: unknown,
  adminToken: string | undefined,
): Promise<{ status: number; body: unknown }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    // `aksnet start --http` serves plain HTTP; its info file says so in the endpoint.
    const tls = url.startsWith("https:");
    const req = (tls ? https : http).request(
      url,
      {
        method: "POST",
        ...(tls ? { ca: fs.readFileSync(caFile) } : {}),
        timeout: 30_000,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
          ...(adminToken ? { authorization: `Bearer ${adminToken}` } : {}),
        },
      },
      (res) => {
        let data = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          data += c;
        });
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: data ? JSON.parse(data) : undefined });
          } catch (e) {
            reject(e);
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url} within 30 s`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** `--egress`: one row per node (how it leaves, the source the destination sees), then each node's hops. */
export function renderEgress(r: NodeEgressTraceResult): string {
  const cluster = r.cluster.split("/").pop();
  const out = [
    `Egress from the nodes of ${cluster} (${r.resourceGroup}) to ${r.destination} (outboundType ${r.outboundType})`,
    "",
  ];
  if (!r.nodes.length) return `${out.join("\n")}No nodes.\n`;
  const rows = [["NODE", "POOL", "PRIVATE IP", "VIA", "SOURCE SEEN"]];
  for (const n of r.nodes) rows.push([n.node, n.pool, n.privateIp, n.via, n.sourceAddress ?? "-"]);
  out.push(table(rows), "");
  for (const n of r.nodes) {
    out.push(`${n.node}:`);
    n.hops.forEach((h, i) => {
      out.push(`  ${i + 1}. ${h.kind}: ${h.detail}`);
    });
  }
  return `${out.join("\n")}\n`;
}
