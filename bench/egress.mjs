// Issue #13 figures (build first: npm run build; then node bench/egress.mjs), on an in-process
// emulator with its controller manager, through the Kubernetes face over HTTPS:
//  1. one StaticGatewayConfiguration, then 100 more on the same 2-node gateway pool, from create
//     until every status has its egress prefix (ILB rule + probe, prefix, a public IP per node
//     each) — as ratios to one authenticated ARM GET and per configuration to the single one;
//  2. time from pod create to Running for a pod annotated with a ready configuration, as a ratio
//     to a plain pod on the same cluster (medians of 10).
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { FeatureClient } from "@azure/arm-features";
import { ResourceManagementClient } from "@azure/arm-resources";
import { median, request, signIn, table } from "./lib.mjs";

const dist = new URL("../dist/", import.meta.url);
const { startEmulator } = await import(new URL("server/app.js", dist).href);
const { resolveOptions } = await import(new URL("server/config.js", dist).href);

const N = Number(process.env.BENCH_SGCS ?? 100);
const PODS = Number(process.env.BENCH_EGRESS_PODS ?? 10);
const GROUP = "egressgateway.kubernetes.azure.com";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function run() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "aksnet-bench-"));
  const emu = await startEmulator(
    resolveOptions({ port: 0, inMemory: true, quiet: true, dataDir }),
    () => undefined,
  );
  const ca = fs.readFileSync(emu.caFile, "utf8");
  const agent = new https.Agent({ ca, keepAlive: true, maxSockets: 16 });
  try {
    const token = await signIn(agent, emu.url, emu.tenantId);
    const credential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_000_000 }) };
    const opts = { endpoint: emu.url, tlsOptions: { ca } };
    const rm = new ResourceManagementClient(credential, emu.subscriptionId, opts);
    const aks = new ContainerServiceClient(credential, emu.subscriptionId, opts);
    await new FeatureClient(credential, emu.subscriptionId, opts).features.register(
      "Microsoft.ContainerService",
      "StaticEgressGatewayPreview",
    );
    await rm.resourceGroups.createOrUpdate("bench", { location: "eastus" });
    await aks.managedClusters.beginCreateOrUpdateAndWait("bench", "egb", {
      location: "eastus",
      identity: { type: "SystemAssigned" },
      dnsPrefix: "bench",
      agentPoolProfiles: [{ name: "nodepool1", count: 1, vmSize: "Standard_DS2_v2", mode: "System" }],
      networkProfile: { networkPlugin: "kubenet", staticEgressGatewayProfile: { enabled: true } },
    });
    await aks.agentPools.beginCreateOrUpdateAndWait("bench", "egb", "gw", {
      count: 2,
      vmSize: "Standard_D4s_v5",
      mode: "Gateway",
      osType: "Linux",
      gatewayProfile: { publicIPPrefixSize: 31 },
    });
    const cred = await aks.managedClusters.listClusterUserCredentials("bench", "egb");
    const kubeconfig = Buffer.from(cred.kubeconfigs[0].value).toString("utf8");
    const server = /server: (\S+)/.exec(kubeconfig)[1];
    const kubeAuth = { authorization: `Bearer ${/token: (\S+)/.exec(kubeconfig)[1]}` };
    const kube = async (method, p, body) => {
      const r = await request(agent, method, `${server}${p}`, { headers: kubeAuth, body });
      if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${r.text}`);
      return r.json();
    };
    const sgcs = `/apis/${GROUP}/v1alpha1/namespaces/default/staticgatewayconfigurations`;
    // The CRD follows the feature flag in the background.
    for (let i = 0; ; i++) {
      const r = await request(agent, "GET", `${server}${sgcs}`, { headers: kubeAuth });
      if (r.status === 200) break;
      if (i > 400) throw new Error("the StaticGatewayConfiguration CRD never appeared");
      await sleep(25);
    }

    const gets = [];
    for (let i = 0; i < 30; i++) {
      const t = performance.now();
      await rm.resourceGroups.get("bench");
      gets.push(performance.now() - t);
    }
    const get = median(gets);

    const sgc = (name) => ({
      apiVersion: `${GROUP}/v1alpha1`,
      kind: "StaticGatewayConfiguration",
      metadata: { name, namespace: "default" },
      spec: { gatewayNodepoolName: "gw", excludeCidrs: ["10.0.0.0/8"] },
    });
    /** Creates `names`, then polls the list until each has an egress prefix; returns ms. */
    const reconcile = async (names) => {
      const want = new Set(names);
      const t0 = performance.now();
      for (let i = 0; i < names.length; i += 10)
        await Promise.all(names.slice(i, i + 10).map((n) => kube("POST", sgcs, sgc(n))));
      for (;;) {
        const l = await kube("GET", sgcs);
        const done = l.items.filter((o) => want.has(o.metadata.name) && o.status?.egressIpPrefix).length;
        if (done === want.size) return performance.now() - t0;
        if (performance.now() - t0 > 600_000) throw new Error(`only ${done} of ${want.size} reconciled`);
        await sleep(20);
      }
    };
    const one = await reconcile(["first"]);
    const many = await reconcile(Array.from({ length: N }, (_, i) => `sgc-${i}`));
    const ports = (await kube("GET", sgcs)).items.map((o) => o.status.gatewayServerProfile.port);
    if (new Set(ports).size !== N + 1)
      throw new Error(`ports are not unique: ${ports.length} / ${new Set(ports).size}`);

    /** Pod create → phase Running (polled), ms. */
    const podRun = async (name, annotated) => {
      const t0 = performance.now();
      await kube("POST", "/api/v1/namespaces/default/pods", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name,
          ...(annotated
            ? { annotations: { "kubernetes.azure.com/static-gateway-configuration": "first" } }
            : {}),
        },
        spec: { containers: [{ name: "c", image: "nginx" }] },
      });
      for (;;) {
        const p = await kube("GET", `/api/v1/namespaces/default/pods/${name}`);
        if (p.status?.phase === "Running") return performance.now() - t0;
        if (performance.now() - t0 > 60_000) throw new Error(`pod ${name} never ran`);
        await sleep(5);
      }
    };
    const plain = [];
    const annotated = [];
    for (let i = 0; i < PODS; i++) {
      plain.push(await podRun(`plain-${i}`, false));
      annotated.push(await podRun(`annotated-${i}`, true));
    }
    const p = median(plain);
    const a = median(annotated);
    table(`Static egress gateway (1 + ${N} configurations on one 2-node gateway pool; ${PODS} pods each)`, [
      ["what", "ms", "ratio", "to"],
      ["ARM GET (baseline, median of 30)", get.toFixed(2), "1.0", "ARM GET"],
      ["1 configuration reconciled (create → status)", one.toFixed(0), (one / get).toFixed(0), "ARM GET"],
      [
        `${N} configurations reconciled (create → all statuses)`,
        many.toFixed(0),
        (many / get).toFixed(0),
        "ARM GET",
      ],
      ["  per configuration", (many / N).toFixed(0), (many / N / one).toFixed(2), "1 configuration"],
      ["plain pod create → Running (baseline, median)", p.toFixed(0), "1.0", "plain pod"],
      ["annotated pod create → Running (median)", a.toFixed(0), (a / p).toFixed(2), "plain pod"],
    ]);
  } finally {
    agent.destroy();
    await emu.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
