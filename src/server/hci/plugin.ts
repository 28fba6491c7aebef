// The HCI face: what the AksHci PowerShell module would ask the MOC cloud agent for, as JSON
// under /_aksnet/hci/…, authenticated with the same bearer tokens as ARM. `aksnet hci` is its
// client. Each write runs in one store transaction (a refused request changes nothing);
// errors come from src/hci/errors.ts as `{error:{code,message,category,target}}`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  createCluster,
  createNodePool,
  getCluster,
  getNodePool,
  listClusters,
  removeCluster,
  removeNodePool,
  scaleNodePool,
  setCluster,
  setLoadBalancerCount,
} from "../../hci/clusters.js";
import { HciError } from "../../hci/errors.js";
import { haproxyConfig } from "../../hci/haproxy.js";
import { getConfig, install, requireInstalled, setConfig } from "../../hci/host.js";
import type { ClusterBody } from "../../hci/model.js";
import {
  clustersOnNetwork,
  createClusterNetwork,
  getNetwork,
  listNetworks,
  removeClusterNetwork,
} from "../../hci/networks.js";
import { canReach, type ReachQuery } from "../../hci/plugins.js";
import { ensureServiceVip, listServices, removeServiceVip, vipConflicts } from "../../hci/services.js";
import { tracePods } from "../../hci/trace.js";
import { readHci } from "../../hci/view.js";
import { NetError } from "../../net/index.js";
import { clusterToken, kubeconfig, kubeTokenKey } from "../../providers/containerservice/kubeconfig.js";
import type { Tx } from "../../store/types.js";
import { bearerToken } from "../auth.js";
import type { FaceDeps } from "../face.js";

type Params = Record<string, string>;

function json(req: FastifyRequest): Record<string, unknown> {
  if (typeof req.body !== "string" || !req.body.trim()) return {};
  try {
    const v = JSON.parse(req.body) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HciError("InvalidArgument", "InvalidJson", "The request body is not a JSON object.");
}

/** A cluster as Get-AksHciCluster wants it: the record plus its VIP conflicts. */
async function clusterOut(tx: Tx, sub: string, c: ClusterBody) {
  const conflicts = (await vipConflicts(tx, sub, c.network, await listClusters(tx, sub))).filter((x) =>
    x.clusters.includes(c.name),
  );
  return { ...c, vipConflicts: conflicts };
}

export async function hciPlugin(app: FastifyInstance, deps: FaceDeps): Promise<void> {
  const { store, settings, tokens } = deps;
  const sub = () => settings.subscriptions[0].subscriptionId;
  const write = <T>(fn: (tx: Tx, s: string) => Promise<T>) => store.transaction((tx) => fn(tx, sub()));
  const read = <T>(fn: (tx: Tx, s: string) => Promise<T>) => store.read((tx) => fn(tx, sub()));

  app.addHook("onRequest", async (req) => {
    const token = bearerToken(req.headers.authorization);
    const bad = (reason: string) => new HciError("AuthenticationError", "AuthenticationFailed", reason);
    if (!token) throw bad("The 'Authorization' header is missing or is not a Bearer token.");
    const result = await tokens.verify(token);
    if (!result.ok) throw bad(result.reason);
  });

  app.setErrorHandler((err: unknown, _req, reply: FastifyReply) => {
    if (err instanceof HciError) return reply.code(err.status).send(err.toBody());
    if (err instanceof NetError)
      return reply.code(400).send({
        error: { code: "InvalidParameterValue", message: err.message, category: "InvalidArgument" },
      });
    return reply.code(500).send({
      error: {
        code: "InternalError",
        message: "The HCI face failed unexpectedly; nothing was changed.",
        category: "InvalidOperation",
      },
    });
  });

  // ---- host ----
  app.get("/config", async () => (await read((tx, s) => getConfig(tx, s))) ?? { installed: false });
  app.put("/config", async (req) => write((tx, s) => setConfig(tx, s, json(req))));
  app.post("/install", async () => write((tx, s) => install(tx, s)));

  // ---- cluster networks ----
  app.get("/networks", async (req) =>
    read(async (tx, s) => {
      await requireInstalled(tx, s);
      const cluster = (req.query as Params).clusterName;
      if (cluster) return [await getNetwork(tx, s, (await getCluster(tx, s, cluster)).network)];
      return (await listNetworks(tx, s)).filter((n) => n.role === "cluster");
    }),
  );
  app.get("/networks/:name", async (req) =>
    read(async (tx, s) => {
      await requireInstalled(tx, s);
      const n = await getNetwork(tx, s, (req.params as Params).name);
      return {
        ...n,
        clusters: await clustersOnNetwork(tx, s, n.name),
        vipConflicts: await vipConflicts(tx, s, n.name, await listClusters(tx, s)),
      };
    }),
  );
  app.put("/networks/:name", async (req, reply) => {
    const body = json(req);
    const out = await write(async (tx, s) => {
      await requireInstalled(tx, s);
      return createClusterNetwork(tx, s, { ...body, name: (req.params as Params).name } as never);
    });
    return reply.code(201).send(out);
  });
  app.delete("/networks/:name", async (req, reply) => {
    await write(async (tx, s) => {
      await requireInstalled(tx, s);
      await removeClusterNetwork(tx, s, (req.params as Params).name);
    });
    return reply.code(204).send();
  });

  // ---- clusters ----
  app.get("/clusters", async () =>
    read(async (tx, s) => {
      await requireInstalled(tx, s);
      const out = [];
      for (const c of await listClusters(tx, s)) out.push(await clusterOut(tx, s, c));
      return out;
    }),
  );
  app.get("/clusters/:name", async (req) =>
    read(async (tx, s) => {
      await requireInstalled(tx, s);
      return clusterOut(tx, s, await getCluster(tx, s, (req.params as Params).name));
    }),
  );
  app.put("/clusters/:name", async (req, reply) => {
    const body = json(req);
    const c = await write((tx, s) =>
      createCluster(tx, s, { ...body, name: (req.params as Params).name } as never),
    );
    return reply.code(201).send(c);
  });
  app.patch("/clusters/:name", async (req) =>
    write((tx, s) => setCluster(tx, s, (req.params as Params).name, json(req))),
  );
  app.delete("/clusters/:name", async (req, reply) => {
    await write((tx, s) => removeCluster(tx, s, (req.params as Params).name));
    return reply.code(204).send();
  });
  app.patch("/clusters/:name/loadbalancer", async (req) =>
    write((tx, s) =>
      setLoadBalancerCount(tx, s, (req.params as Params).name, Number(json(req).loadBalancerCount)),
    ),
  );
  app.get("/clusters/:name/haproxy.cfg", async (req, reply) => {
    const text = await read(async (tx, s) => {
      await requireInstalled(tx, s);
      const c = await getCluster(tx, s, (req.params as Params).name);
      if (c.loadBalancer.sku !== "HAProxy")
        throw new HciError(
          "InvalidOperation",
          "LoadBalancerSkuNone",
          `Cluster '${c.name}' uses load balancer SKU 'none' (kube-vip on the control plane): it has no HAProxy VM.`,
        );
      return haproxyConfig(c, await listServices(tx, s, c.name));
    });
    return reply.type("text/plain; charset=utf-8").send(text);
  });
  app.get("/clusters/:name/kubeconfig", async (req, reply) => {
    const c = await read(async (tx, s) => {
      await requireInstalled(tx, s);
      return getCluster(tx, s, (req.params as Params).name);
    });
    // The per-install key is made on first use, so it needs a write transaction.
    const token = clusterToken(await store.transaction((tx) => kubeTokenKey(tx)), c.uid, "admin");
    const text = kubeconfig({
      baseUrl: settings.publicBaseUrl,
      token,
      caCertPem: settings.caCertPem,
      resourceUID: c.uid,
      clusterName: c.name,
      resourceGroup: "akshci",
      kind: "admin",
    });
    return reply.type("application/yaml; charset=utf-8").send(text);
  });

  // ---- node pools ----
  app.get("/clusters/:name/nodepools", async (req) =>
    read(async (tx, s) => {
      await requireInstalled(tx, s);
      const c = await getCluster(tx, s, (req.params as Params).name);
      return c.nodePools.map((p) => ({ ...p, clusterName: c.name, version: c.kubernetesVersion }));
    }),
  );
  app.get("/clusters/:name/nodepools/:pool", async (req) =>
    read(async (tx, s) => {
      await requireInstalled(tx, s);
      const { cluster, pool } = await getNodePool(
        tx,
        s,
        (req.params as Params).name,
        (req.params as Params).pool,
      );
      return { ...pool, clusterName: cluster.name, version: cluster.kubernetesVersion };
    }),
  );
  app.put("/clusters/:name/nodepools/:pool", async (req, reply) => {
    const p = req.params as Params;
    const c = await write((tx, s) => createNodePool(tx, s, p.name, { ...json(req), name: p.pool } as never));
    const pool = c.nodePools.find((x) => x.name === p.pool);
    return reply.code(201).send({ ...pool, clusterName: c.name, version: c.kubernetesVersion });
  });
  app.patch("/clusters/:name/nodepools/:pool", async (req) => {
    const p = req.params as Params;
    const c = await write((tx, s) => scaleNodePool(tx, s, p.name, p.pool, json(req)));
    const pool = c.nodePools.find((x) => x.name.toLowerCase() === p.pool.toLowerCase());
    return { ...pool, clusterName: c.name, version: c.kubernetesVersion };
  });
  app.delete("/clusters/:name/nodepools/:pool", async (req, reply) => {
    const p = req.params as Params;
    await write((tx, s) => removeNodePool(tx, s, p.name, p.pool));
    return reply.code(204).send();
  });

  // ---- LoadBalancer Services: a hook beside kubectl (the Kubernetes face's service controller
  // calls ensureServiceVip for Services created with kubectl; kube/controllers/hciServices.ts) ----
  app.get("/clusters/:name/services", async (req) =>
    read(async (tx, s) => listServices(tx, s, (await getCluster(tx, s, (req.params as Params).name)).name)),
  );
  app.put("/clusters/:name/services/:namespace/:service", async (req) => {
    const p = req.params as Params;
    return write(async (tx, s) =>
      ensureServiceVip(
        tx,
        s,
        await getCluster(tx, s, p.name),
        { ports: (json(req) as { ports: never }).ports, namespace: p.namespace, name: p.service },
        new Date(),
        { emulateKnownIssues: settings.emulateKnownIssues ?? false },
      ),
    );
  });
  app.delete("/clusters/:name/services/:namespace/:service", async (req, reply) => {
    const p = req.params as Params;
    await write(async (tx, s) =>
      removeServiceVip(tx, s, await getCluster(tx, s, p.name), p.namespace, p.service),
    );
    return reply.code(204).send();
  });

  // ---- Calico vs Flannel: can pod A reach pod B / a VM ----
  app.post("/reach", async (req) => {
    const q = json(req) as unknown as ReachQuery & { cluster?: string };
    // Pods by `namespace/name` in the cluster's Kubernetes API (hci/trace.ts).
    if (q.cluster && (typeof q.from === "string" || typeof q.to === "string")) {
      const t = json(req) as { from?: unknown; to?: unknown; port?: unknown; protocol?: unknown };
      if (typeof t.from !== "string" || typeof t.to !== "string")
        throw new HciError(
          "InvalidArgument",
          "InvalidParameterValue",
          "from and to must both be pod references (namespace/name); to may also be a VM's IPv4 address.",
          typeof t.from !== "string" ? "from" : "to",
        );
      const protocol = String(t.protocol ?? "TCP").toUpperCase();
      if (protocol !== "TCP" && protocol !== "UDP" && protocol !== "SCTP")
        throw new HciError(
          "InvalidArgument",
          "InvalidParameterValue",
          `protocol must be TCP, UDP or SCTP; '${String(t.protocol)}' was given.`,
          "protocol",
        );
      return read((tx, s) =>
        tracePods(tx, s, {
          cluster: String(q.cluster),
          from: t.from as string,
          to: t.to as string,
          port: Number(t.port),
          protocol,
        }),
      );
    }
    if (q.cluster)
      q.plugin = (await read((tx, s) => getCluster(tx, s, String(q.cluster)))).primaryNetworkPlugin;
    if (q.plugin !== "calico" && q.plugin !== "flannel")
      throw new HciError(
        "InvalidArgument",
        "InvalidParameterValue",
        "plugin must be calico or flannel (or give cluster).",
        "plugin",
      );
    if (!q.from || !q.to || !Number.isInteger(q.port))
      throw new HciError(
        "InvalidArgument",
        "InvalidParameterValue",
        "from, to and port are required.",
        "from",
      );
    return canReach(q);
  });

  // ---- everything, for the page ----
  app.get("/view", async () => read((tx, s) => readHci(tx, s)));
}
