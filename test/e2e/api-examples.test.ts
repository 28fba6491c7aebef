// Replays the official REST API examples (azure-rest-api-specs, gathered under
// ../shared/reference/api-examples, read at run time and never copied here) against a real
// emulator: each example becomes a request composed from its parameters; the answer's status
// must be one the example lists, and the answer must carry the keys the example's response has
// (three levels deep, first element of arrays). Examples whose target does not exist yet get it
// created first from another example's PUT body of the same type. Prints per-example outcomes
// and the counts; fails on any 5xx and when fewer examples match than the floor recorded below.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const EXAMPLES = path.resolve(repo, "..", "shared", "reference", "api-examples", "specification");
const present = fs.existsSync(EXAMPLES);
if (!present) console.warn(`api-examples.test.ts skipped: ${EXAMPLES} is absent (the shared reference data)`);

/**
 * The fewest examples that must match fully; raise it as gaps close, never lower it. (Lowered once,
 * 123 → 122: AgentPools_Update sends count 3 with autoscaling minCount = maxCount = 2, which AKS
 * refuses — `agentPoolProfile.count was 3. It must be greater or equal to minCount:2 …`.)
 */
const MATCH_FLOOR = 122;

type Json = Record<string, unknown>;
interface Example {
  file: string;
  name: string;
  ns: "network" | "containerservice" | "msi" | "resources";
  parameters: Json;
  responses: Record<string, { body?: unknown }>;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : e.name.endsWith(".json") ? [p] : [];
  });
}

function load(): Example[] {
  return walk(EXAMPLES)
    .sort()
    .map((file) => {
      const d = JSON.parse(fs.readFileSync(file, "utf8")) as {
        parameters: Json;
        responses: Example["responses"];
      };
      const ns = path.relative(EXAMPLES, file).split(path.sep)[0] as Example["ns"];
      return {
        file,
        name: path.basename(file, ".json"),
        ns,
        parameters: d.parameters,
        responses: d.responses,
      };
    });
}

// Path parameters → ARM segments, in nesting order, per namespace.
const SEGMENTS: Record<Example["ns"], [string, string][]> = {
  network: [
    ["virtualNetworkName", "Microsoft.Network/virtualNetworks"],
    ["subnetName", "subnets"],
    ["networkSecurityGroupName", "Microsoft.Network/networkSecurityGroups"],
    ["securityRuleName", "securityRules"],
    ["defaultSecurityRuleName", "defaultSecurityRules"],
    ["routeTableName", "Microsoft.Network/routeTables"],
    ["routeName", "routes"],
    ["publicIpAddressName", "Microsoft.Network/publicIPAddresses"],
    ["publicIpPrefixName", "Microsoft.Network/publicIPPrefixes"],
    ["applicationSecurityGroupName", "Microsoft.Network/applicationSecurityGroups"],
    ["loadBalancerName", "Microsoft.Network/loadBalancers"],
    ["frontendIPConfigurationName", "frontendIPConfigurations"],
    ["loadBalancingRuleName", "loadBalancingRules"],
    ["outboundRuleName", "outboundRules"],
    ["probeName", "probes"],
    ["networkInterfaceName", "Microsoft.Network/networkInterfaces"],
    ["ipConfigurationName", "ipConfigurations"],
  ],
  containerservice: [
    ["resourceName", "Microsoft.ContainerService/managedClusters"],
    ["agentPoolName", "agentPools"],
  ],
  msi: [["resourceName", "Microsoft.ManagedIdentity/userAssignedIdentities"]],
  resources: [],
};
const BODY_PARAMS = [
  "parameters",
  "subnetParameters",
  "securityRuleParameters",
  "routeParameters",
  "prepareNetworkPoliciesRequestParameters",
];

/** What an example does, from its name (the files carry no operationId or path). */
function operation(name: string): { method: string; suffix?: string; collection?: boolean; query?: Json } {
  const n = name.toLowerCase();
  const actions: [RegExp, { method: string; suffix: string; collection?: boolean }][] = [
    [/listclusterusercredentials$/, { method: "POST", suffix: "listClusterUserCredential" }],
    [/listclusteradmincredentials$/, { method: "POST", suffix: "listClusterAdminCredential" }],
    [
      /listclustermonitoringusercredentials$/,
      { method: "POST", suffix: "listClusterMonitoringUserCredential" },
    ],
    [/managedclustersstop$/, { method: "POST", suffix: "stop" }],
    [/managedclustersgetupgradeprofile$/, { method: "GET", suffix: "upgradeProfiles/default" }],
    [/agentpoolsgetupgradeprofile$/, { method: "GET", suffix: "upgradeProfiles/default" }],
    [/agentpoolsgetagentpoolavailableversions$/, { method: "GET", suffix: "availableAgentPoolVersions" }],
    [/effectivensglist$/, { method: "POST", suffix: "effectiveNetworkSecurityGroups" }],
    [/effectiveroutetablelist$/, { method: "POST", suffix: "effectiveRouteTable" }],
    [/subnetpreparenetworkpolicies$/, { method: "POST", suffix: "PrepareNetworkPolicies" }],
    [/checkipaddressavailability$/, { method: "GET", suffix: "CheckIPAddressAvailability" }],
    [/listusage$/, { method: "GET", suffix: "usages" }],
    [/networkinterfaceloadbalancerlist$/, { method: "GET", suffix: "loadBalancers" }],
    [/networkinterfaceipconfigurationlist$/, { method: "GET", suffix: "ipConfigurations" }],
    [/agentpoolslist$/, { method: "GET", suffix: "agentPools" }],
    [/networksecuritygrouprulelist$/, { method: "GET", suffix: "securityRules" }],
    [/routetableroutelist$/, { method: "GET", suffix: "routes" }],
    [/subnetlist$/, { method: "GET", suffix: "subnets" }],
  ];
  for (const [re, op] of actions) if (re.test(n)) return op;
  if (/forcedeletevms/.test(n)) return { method: "DELETE" };
  if (/updatetags$|^identityupdate$/.test(n)) return { method: "PATCH" };
  if (/delete$/.test(n)) return { method: "DELETE" };
  if (/listall$|listbysubscription$|^managedclusterslist$/.test(n))
    return { method: "GET", collection: true, query: { scope: "subscription" } };
  if (/list$|listbyresourcegroup$/.test(n)) return { method: "GET", collection: true };
  if (/get$|getwith/.test(n) || /^defaultsecurityruleget$/.test(n)) return { method: "GET" };
  return { method: "PUT" };
}

describe.skipIf(!present)("published API examples, replayed", { timeout: 600_000 }, () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator();
    for (const ns of [
      "Microsoft.Network",
      "Microsoft.ContainerService",
      "Microsoft.ManagedIdentity",
      "Microsoft.Compute",
    ])
      await emu.arm(
        "POST",
        `/subscriptions/${emu.subscriptionId}/providers/${ns}/register?api-version=2021-04-01`,
      );
  });
  afterAll(async () => {
    await emu?.close();
  });

  it("answer with the examples' status codes and response keys", async () => {
    const examples = load();
    const sub = () => emu.subscriptionId;
    // Harness substitutions, not fixes of the answers: the examples' placeholder subscription
    // ids and locations (`subid`, `location1`, canary regions) become the emulator's.
    const known = new Set<string>(emu.settings.locations);
    const fix = (v: unknown): unknown =>
      JSON.parse(
        JSON.stringify(v).replace(/\/subscriptions\/(subid|[0-9a-f-]{36})\//gi, `/subscriptions/${sub()}/`),
        (k, val) =>
          k === "location" && typeof val === "string" && !known.has(val.toLowerCase().replace(/\s/g, ""))
            ? "eastus"
            : val,
      );
    const pathOf = (ex: Example, depth = Infinity): string | undefined => {
      const p = ex.parameters;
      let out = `/subscriptions/${sub()}`;
      if (typeof p.resourceGroupName === "string") out += `/resourceGroups/${p.resourceGroupName}`;
      let n = 0;
      for (const [param, seg] of SEGMENTS[ex.ns]) {
        if (typeof p[param] !== "string" || n >= depth) continue;
        out += seg.startsWith("Microsoft.") ? `/providers/${seg}/${p[param]}` : `/${seg}/${p[param]}`;
        n++;
      }
      return out;
    };
    const templates = new Map<string, Json>(); // resource path shape → a PUT body that worked
    const shape = (p: string) =>
      p
        .split("/")
        .filter((_, i) => i % 2 === 1 || i < 2)
        .join("/")
        .replace(/\/subscriptions\/[^/]+/, "");
    const bodyOf = (ex: Example): Json | undefined => {
      for (const k of BODY_PARAMS)
        if (typeof ex.parameters[k] === "object") return fix(ex.parameters[k]) as Json;
      return undefined;
    };
    const api = (ex: Example) => String(ex.parameters["api-version"]);

    async function waitDone(resPath: string, version: string) {
      for (let i = 0; i < 200; i++) {
        const r = await emu.arm("GET", `${resPath}?api-version=${version}`);
        const st = ((r.body as Json | undefined)?.properties as Json | undefined)?.provisioningState;
        if (r.status !== 200 || st === undefined || st === "Succeeded" || st === "Failed") return r;
        await new Promise((res) => setTimeout(res, 50));
      }
      return emu.arm("GET", `${resPath}?api-version=${version}`);
    }

    async function ensureRg(ex: Example) {
      if (typeof ex.parameters.resourceGroupName !== "string") return;
      await emu.arm(
        "PUT",
        `/subscriptions/${sub()}/resourcegroups/${ex.parameters.resourceGroupName}?api-version=2021-04-01`,
        {
          location: "eastus",
        },
      );
    }

    /** Creates the target (and parents) from PUT bodies other examples of the same types used. */
    async function ensureExists(ex: Example, depthLimit: number) {
      for (let d = 1; d <= depthLimit; d++) {
        const p = pathOf(ex, d);
        if (!p) continue;
        const got = await emu.arm("GET", `${p}?api-version=${api(ex)}`);
        if (got.status === 200) continue;
        const t = templates.get(shape(p));
        if (!t) return;
        await putPrerequisite(ex, p, t);
      }
    }

    /**
     * Makes a prerequisite from a template: without its inline children (so the example's own child
     * fits in it); when that is refused because a public IP it names is held already (another
     * example's resource holds it), once more without public IP references.
     */
    async function putPrerequisite(ex: Example, p: string, t: Json) {
      const props = { ...((t.properties as Json | undefined) ?? {}) };
      for (const k of ["subnets", "securityRules", "routes"]) delete props[k];
      const first = await emu.arm("PUT", `${p}?api-version=${api(ex)}`, { ...t, properties: props });
      if (first.status >= 400 && /publicIPAddress/i.test(first.text)) {
        const stripped = JSON.parse(JSON.stringify(props), (k, v) =>
          k === "publicIPAddress" ? undefined : v,
        );
        await emu.arm("PUT", `${p}?api-version=${api(ex)}`, { ...t, properties: stripped });
      }
      await waitDone(p, api(ex));
    }

    /**
     * Resources the body refers to (a subnet, a public IP) must exist before the PUT, as they would
     * in the example's own subscription: each missing one (and its parents) is made from a PUT body
     * another example of its type used. Only Microsoft.Network references are followed.
     */
    async function ensureReferenced(ex: Example, body: Json | undefined) {
      if (!body) return;
      const ids = new Set<string>();
      JSON.stringify(body, (k, v) => {
        if (k === "id" && typeof v === "string" && /\/providers\/Microsoft\.Network\//i.test(v)) ids.add(v);
        return v;
      });
      for (const id of ids) {
        const segs = id.split("/").filter(Boolean);
        const at = segs.findIndex((x) => x.toLowerCase() === "providers");
        if (at < 0 || segs[at - 2]?.toLowerCase() !== "resourcegroups") continue;
        await emu.arm(
          "PUT",
          `/subscriptions/${sub()}/resourcegroups/${segs[at - 1]}?api-version=2021-04-01`,
          {
            location: "eastus",
          },
        );
        for (let end = at + 4; end <= segs.length; end += 2) {
          const p = `/${segs.slice(0, end).join("/")}`;
          if ((await emu.arm("GET", `${p}?api-version=${api(ex)}`)).status === 200) continue;
          const t = templates.get(shape(p)) ?? candidates.get(shape(p));
          if (!t) break;
          await putPrerequisite(ex, p, t);
        }
      }
    }

    const depthOf = (ex: Example) =>
      SEGMENTS[ex.ns].filter(([k]) => typeof ex.parameters[k] === "string").length;
    const missingKeys = (want: unknown, got: unknown, at: string, depth: number, out: string[]) => {
      if (depth > 3 || want === null || typeof want !== "object") return;
      if (Array.isArray(want)) {
        if (want.length && Array.isArray(got) && got.length)
          missingKeys(want[0], got[0], `${at}[0]`, depth + 1, out);
        else if (want.length && (!Array.isArray(got) || !got.length)) out.push(`${at}[] (empty)`);
        return;
      }
      if (got === null || typeof got !== "object" || Array.isArray(got)) {
        out.push(at || "(body)");
        return;
      }
      for (const [k, v] of Object.entries(want as Json)) {
        if (k === "nextLink" || k === "etag") continue;
        if (!(k in (got as Json))) out.push(`${at}${at ? "." : ""}${k}`);
        else missingKeys(v, (got as Json)[k], `${at}${at ? "." : ""}${k}`, depth + 1, out);
      }
    };

    // PUTs first (parents before children), then reads and actions, then PATCH, then DELETE.
    const rank = (ex: Example) => {
      const m = operation(ex.name).method;
      return (m === "PUT" ? 0 : m === "DELETE" ? 30 : m === "PATCH" ? 20 : 10) + depthOf(ex);
    };
    // Referenced resources may be needed before their own examples ran: the plainest PUT body of
    // each shape (shortest example name) stands in until a PUT of that shape has worked.
    const candidates = new Map<string, Json>();
    for (const ex of [...examples].sort((a, b) => a.name.length - b.name.length)) {
      const b = bodyOf(ex);
      const p = pathOf(ex);
      if (b && p && operation(ex.name).method === "PUT" && !candidates.has(shape(p)))
        candidates.set(shape(p), b);
    }
    const ordered = [...examples].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
    const results: { name: string; outcome: "match" | "keys" | "status" | "5xx"; detail: string }[] = [];
    for (const ex of ordered) {
      const op = operation(ex.name);
      await ensureRg(ex);
      if (ex.ns === "resources" && !ex.parameters.resourceGroupName) continue;
      let target = pathOf(ex) ?? "";
      if (ex.ns === "resources" && op.method === "PUT")
        target = `/subscriptions/${sub()}/resourcegroups/${ex.parameters.resourceGroupName}`;
      // The examples reuse names (clustername1, agentpool1) with different immutable settings:
      // a create example starts from no resource of its name, as it would in its own subscription.
      if (op.method === "PUT" && /create/i.test(ex.name) && !/update/i.test(ex.name)) {
        const del = await emu.arm("DELETE", `${target}?api-version=${api(ex)}`);
        if (del.status === 202 || del.status === 200)
          for (let i = 0; i < 400; i++) {
            if ((await emu.arm("GET", `${target}?api-version=${api(ex)}`)).status === 404) break;
            await new Promise((res) => setTimeout(res, 25));
          }
      }
      if (op.method !== "PUT") await ensureExists(ex, depthOf(ex));
      else if (depthOf(ex) > 1) await ensureExists(ex, depthOf(ex) - 1);
      if (op.method === "PUT") await ensureReferenced(ex, bodyOf(ex));
      let url = target;
      if (op.collection) {
        const segs = SEGMENTS[ex.ns].filter(([k]) => typeof ex.parameters[k] === "string");
        const typeSeg = ex.name.startsWith("Identity")
          ? "Microsoft.ManagedIdentity/userAssignedIdentities"
          : undefined;
        const base = op.query?.scope === "subscription" ? `/subscriptions/${sub()}` : url;
        const type = typeSeg ?? guessListType(ex.name);
        url = segs.length ? url : `${base}/providers/${type}`;
      } else if (op.suffix) url = `${url}/${op.suffix}`;
      const q = new URLSearchParams({ "api-version": api(ex) });
      if (typeof ex.parameters.ipAddress === "string") q.set("ipAddress", ex.parameters.ipAddress);
      if (typeof ex.parameters.forceDeletionTypes === "string")
        q.set("forceDeletionTypes", ex.parameters.forceDeletionTypes);
      const body =
        op.method === "GET" || op.method === "DELETE"
          ? undefined
          : (bodyOf(ex) ?? (op.method === "POST" ? {} : undefined));
      const res = await emu.arm(op.method, `${url}?${q}`, body);
      const codes = Object.keys(ex.responses);
      if (res.status >= 500) {
        results.push({ name: ex.name, outcome: "5xx", detail: `${res.status} ${res.text.slice(0, 200)}` });
        continue;
      }
      if (!codes.includes(String(res.status))) {
        const err = (res.body as { error?: { code?: string; message?: string } } | undefined)?.error;
        results.push({
          name: ex.name,
          outcome: "status",
          detail: `${op.method} ${res.status} (example: ${codes.join("/")}) ${err?.code ?? ""}: ${(err?.message ?? "").slice(0, 160)}`,
        });
        continue;
      }
      let got: unknown = res.body;
      if (op.method === "PUT") {
        const fin = await waitDone(target, api(ex));
        got = fin.body;
        if (fin.status === 200 && body) templates.set(shape(target), body);
      }
      const want = ex.responses["200"]?.body ?? ex.responses["201"]?.body;
      const missing: string[] = [];
      if (want !== undefined && res.status !== 202 && res.status !== 204)
        missingKeys(want, got, "", 0, missing);
      results.push(
        missing.length
          ? {
              name: ex.name,
              outcome: "keys",
              detail: `missing ${missing.slice(0, 8).join(", ")}${missing.length > 8 ? ` (+${missing.length - 8})` : ""}`,
            }
          : { name: ex.name, outcome: "match", detail: "" },
      );
    }
    const count = (o: string) => results.filter((r) => r.outcome === o).length;
    const report = [
      `API examples replayed: ${results.length}; match ${count("match")}, right status but missing keys ${count("keys")}, other status ${count("status")}, 5xx ${count("5xx")}`,
      ...results
        .filter((r) => r.outcome !== "match")
        .map((r) => `  ${r.outcome.padEnd(6)} ${r.name}: ${r.detail}`),
    ].join("\n");
    console.log(report);
    expect(results.filter((r) => r.outcome === "5xx")).toEqual([]);
    expect(count("match")).toBeGreaterThanOrEqual(MATCH_FLOOR);
  });
});

function guessListType(name: string): string {
  const n = name.toLowerCase();
  const table: [string, string][] = [
    ["managedclusters", "Microsoft.ContainerService/managedClusters"],
    ["publicipaddress", "Microsoft.Network/publicIPAddresses"],
    ["publicipprefix", "Microsoft.Network/publicIPPrefixes"],
    ["virtualnetwork", "Microsoft.Network/virtualNetworks"],
    ["networksecuritygroup", "Microsoft.Network/networkSecurityGroups"],
    ["routetable", "Microsoft.Network/routeTables"],
    ["applicationsecuritygroup", "Microsoft.Network/applicationSecurityGroups"],
    ["networkinterface", "Microsoft.Network/networkInterfaces"],
    ["loadbalancer", "Microsoft.Network/loadBalancers"],
  ];
  for (const [k, v] of table) if (n.startsWith(k)) return v;
  return "Microsoft.Unknown/unknown";
}
