// /etc/haproxy/haproxy.cfg of a workload cluster's load-balancer VM, in the shape lbagent
// writes it (hci.md §3.2): TCP defaults, then per VIP:port a `frontend_<VIP>_<port>` bound to
// it and a round-robin `backend_<VIP>_<port>`. The API server's VIP:6443 goes to the
// control-plane nodes on 6443; a LoadBalancer Service's VIP:port goes to every node's
// NodePort, control plane included. HAProxy balances TCP only; UDP ports are listed as
// comments (keepalived still holds their VIP).
import type { ClusterBody, ServiceBody } from "./model.js";

export const API_SERVER_PORT = 6443;

function pair(lines: string[], vip: string, port: number, servers: { ip: string; port: number }[]): void {
  const id = `${vip}_${port}`;
  lines.push(
    `frontend frontend_${id}`,
    `    bind ${vip}:${port}`,
    "    mode tcp",
    `    default_backend backend_${id}`,
    "",
    `backend backend_${id}`,
    "    mode tcp",
    "    balance roundrobin",
    ...servers.map((s, i) => `    server tcp${i} ${s.ip}:${s.port} check`),
    "",
  );
}

/** The whole file, deterministic for a given cluster and set of Services. */
export function haproxyConfig(c: ClusterBody, services: readonly ServiceBody[]): string {
  const lines = [
    `# haproxy.cfg of ${c.name}'s load balancer (${c.vms
      .filter((v) => v.role === "loadbalancer")
      .map((v) => `${v.name} ${v.ip}`)
      .join(", ")}), written by aksnet as lbagent would`,
    "global",
    "    log /dev/log local0",
    "    maxconn 10000",
    "",
    "defaults",
    "    log global",
    "    mode tcp",
    "    option tcplog",
    "    maxconn 10000",
    "    timeout connect 10s",
    "    timeout client 30s",
    "    timeout server 30s",
    "    timeout tunnel 24d",
    "",
  ];
  const controlPlane = c.vms.filter((v) => v.role === "controlplane");
  const nodes = c.vms.filter((v) => v.role !== "loadbalancer");
  pair(
    lines,
    c.apiServerVip,
    API_SERVER_PORT,
    controlPlane.map((v) => ({ ip: v.ip, port: API_SERVER_PORT })),
  );
  const sorted = [...services].sort(
    (a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
  );
  for (const s of sorted) {
    if (!s.vip) continue;
    for (const p of s.ports) {
      if (p.protocol !== "TCP") {
        lines.push(
          `# ${s.namespace}/${s.name} ${s.vip}:${p.port}/${p.protocol}: HAProxy balances TCP only`,
          "",
        );
        continue;
      }
      pair(
        lines,
        s.vip,
        p.port,
        nodes.map((n) => ({ ip: n.ip, port: p.nodePort })),
      );
    }
  }
  return `${lines.join("\n").trimEnd()}\n`;
}
