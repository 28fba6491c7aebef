// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`: the columns kube-apiserver prints
// per kind (kinds.ts holds them as data; the computed cells are here, after
// pkg/printers/internalversion/printers.go), and CRDs' additionalPrinterColumns.

import { inStorageShape } from "./conversions/index.js";
import type { PrinterColumn } from "./kinds.js";
import { cpuQuantity, memoryQuantity } from "./metrics.js";
import { formatLabelSelector } from "./selectors.js";
import { parseQuantity } from "./workloads/quantity.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

/** kubectl's duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 192) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (d < 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

/** `.a.b[0].c` → value; `{.a.b}` (CRD JSONPath) also accepted. */
export function getPath(obj: unknown, p: string): unknown {
  const clean = p.replace(/^\{|\}$/g, "").replace(/^\./, "");
  if (!clean) return obj;
  let cur: unknown = obj;
  for (const part of clean.split(/\.(?![^[]*\])/)) {
    const m = /^([^[]*)((?:\[[^\]]*\])*)$/.exec(part);
    if (!m) return undefined;
    if (m[1]) cur = isObj(cur) ? cur[m[1]] : undefined;
    for (const idx of m[2].match(/\[[^\]]*\]/g) ?? []) {
      const i = Number(idx.slice(1, -1));
      cur = Array.isArray(cur) && Number.isInteger(i) ? cur[i < 0 ? cur.length + i : i] : undefined;
    }
  }
  return cur;
}

const since = (now: number, ts: unknown) =>
  typeof ts === "string" && ts ? humanDuration(now - Date.parse(ts)) : "<unknown>";
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v.filter(isObj) as Obj[]) : []);
const str = (v: unknown) => (v === undefined || v === null || v === "" ? "<none>" : String(v));

/** GetAccessModesAsString: always in the order RWO, ROX, RWX, RWOP. */
function accessModesString(modes: unknown): string {
  const have = new Set(Array.isArray(modes) ? modes.map(String) : []);
  return [
    ["ReadWriteOnce", "RWO"],
    ["ReadOnlyMany", "ROX"],
    ["ReadWriteMany", "RWX"],
    ["ReadWriteOncePod", "RWOP"],
  ]
    .filter(([m]) => have.has(m))
    .map(([, s]) => s)
    .join(",");
}

function podStatus(pod: Obj): string {
  const st = (pod.status ?? {}) as Obj;
  let reason = String(st.reason ?? st.phase ?? "Pending");
  for (const cs of arr(st.containerStatuses)) {
    const state = (cs.state ?? {}) as Obj;
    const w = state.waiting as Obj | undefined;
    const t = state.terminated as Obj | undefined;
    if (w?.reason) reason = String(w.reason);
    else if (t?.reason) reason = String(t.reason);
  }
  if ((pod.metadata as Obj | undefined)?.deletionTimestamp) reason = "Terminating";
  return reason;
}

function cell(c: PrinterColumn, o: Obj, now: number): unknown {
  const [fn, arg = ""] = c.cell.startsWith(".")
    ? ["path", c.cell]
    : (c.cell.split(/:(.*)/s) as [string, string?]);
  const meta = (o.metadata ?? {}) as Obj;
  const spec = (o.spec ?? {}) as Obj;
  const status = (o.status ?? {}) as Obj;
  switch (fn) {
    case "path": {
      const v = getPath(o, arg);
      if (c.type === "integer" || c.type === "number") return typeof v === "number" ? v : (v ?? null);
      if (c.type === "date") return typeof v === "string" ? v : null;
      if (v === undefined || v === null || v === "") return c.name === "Name" ? "" : "<none>";
      return typeof v === "object" ? JSON.stringify(v) : v;
    }
    case "age":
      return since(now, meta.creationTimestamp);
    case "since":
      return since(now, getPath(o, arg));
    case "sinceOrNone": {
      // printCronJob's LAST SCHEDULE: "<none>" until the first run.
      const ts = getPath(o, arg);
      return typeof ts === "string" && ts ? since(now, ts) : "<none>";
    }
    case "int":
      return Number(getPath(o, arg) ?? 0);
    case "ratio": {
      const [a, b] = arg.split(",");
      return `${Number(getPath(o, a) ?? 0)}/${Number(getPath(o, b) ?? (b === ".spec.completions" ? 1 : 0))}`;
    }
    case "count":
      return arg
        .split(",")
        .reduce((n, p) => n + Object.keys((getPath(o, p) as Obj | undefined) ?? {}).length, 0);
    case "len": {
      const v = getPath(o, arg);
      return Array.isArray(v) ? v.length : 0;
    }
    case "map": {
      const m = getPath(o, arg);
      if (!isObj(m) || Object.keys(m).length === 0) return "<none>";
      return Object.entries(m)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(",");
    }
    case "selector":
    case "labelSelector": {
      const s = getPath(o, arg);
      if (fn === "labelSelector" && isObj(s) && Object.keys(s).length === 0) return "<none>";
      return formatLabelSelector(s);
    }
    case "containers":
      return arr((getPath(o, arg) as Obj | undefined)?.containers)
        .map((x) => String(x.name))
        .join(",");
    case "images":
      return arr((getPath(o, arg) as Obj | undefined)?.containers)
        .map((x) => String(x.image))
        .join(",");
    case "pod.ready": {
      const cs = arr(status.containerStatuses);
      return `${cs.filter((x) => x.ready === true).length}/${arr(spec.containers).length}`;
    }
    case "pod.status":
      return podStatus(o);
    case "pod.restarts": {
      const cs = arr(status.containerStatuses);
      const n = cs.reduce((a, x) => a + Number(x.restartCount ?? 0), 0);
      return String(n);
    }
    case "pod.readinessGates": {
      const gates = arr(spec.readinessGates);
      if (!gates.length) return "<none>";
      const conds = arr(status.conditions);
      const ok = gates.filter((g) =>
        conds.some((x) => x.type === g.conditionType && x.status === "True"),
      ).length;
      return `${ok}/${gates.length}`;
    }
    case "node.status": {
      const ready = arr(status.conditions).find((x) => x.type === "Ready");
      const s = ready ? (ready.status === "True" ? "Ready" : "NotReady") : "Unknown";
      return spec.unschedulable ? `${s},SchedulingDisabled` : s;
    }
    case "node.roles": {
      const roles = Object.keys((meta.labels as Obj | undefined) ?? {})
        .filter((k) => k.startsWith("node-role.kubernetes.io/"))
        .map((k) => k.slice("node-role.kubernetes.io/".length))
        .filter(Boolean);
      return roles.length ? roles.sort().join(",") : "<none>";
    }
    case "node.address":
      return str(arr(status.addresses).find((a) => a.type === arg)?.address);
    case "service.clusterIP":
      return str(spec.clusterIP);
    case "service.externalIP": {
      if (spec.type === "ExternalName") return str(spec.externalName);
      const ing = arr(((status.loadBalancer ?? {}) as Obj).ingress).map((x) => x.ip ?? x.hostname);
      const ext = Array.isArray(spec.externalIPs) ? spec.externalIPs.map(String) : [];
      const all = [...ing.map(String), ...ext];
      if (all.length) return all.join(",");
      return spec.type === "LoadBalancer" ? "<pending>" : "<none>";
    }
    case "service.ports": {
      const ps = arr(spec.ports).map(
        (p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ""}/${p.protocol ?? "TCP"}`,
      );
      return ps.length ? ps.join(",") : "<none>";
    }
    case "endpoints.list": {
      // formatEndpoints: port by port, each port's addresses; three shown, the rest counted.
      const subsets = arr(o.subsets);
      if (!subsets.length) return "<none>";
      const out: string[] = [];
      let count = 0;
      for (const s of subsets) {
        const addrs = arr(s.addresses);
        for (const p of arr(s.ports).length ? arr(s.ports) : [undefined]) {
          count += addrs.length;
          for (const a of addrs) {
            if (out.length === 3) break;
            const ip = String(a.ip);
            out.push(p ? `${ip.includes(":") ? `[${ip}]` : ip}:${p.port}` : ip);
          }
        }
      }
      return count > 3 ? `${out.join(",")} + ${count - 3} more...` : out.join(",");
    }
    case "event.lastSeen":
      return since(now, o.lastTimestamp ?? o.eventTime ?? meta.creationTimestamp);
    case "event.object": {
      const io = (o.involvedObject ?? {}) as Obj;
      return `${String(io.kind ?? "").toLowerCase()}/${String(io.name ?? "")}`;
    }
    case "event.regarding": {
      const io = (o.regarding ?? {}) as Obj;
      return `${String(io.kind ?? "").toLowerCase()}/${String(io.name ?? "")}`;
    }
    case "event.source": {
      const s = (o.source ?? {}) as Obj;
      return s.host ? `${s.component}, ${s.host}` : str(s.component);
    }
    case "job.status": {
      const conds = arr(status.conditions).filter((x) => x.status === "True");
      if (conds.some((x) => x.type === "Complete")) return "Complete";
      if (conds.some((x) => x.type === "Failed")) return "Failed";
      if (meta.deletionTimestamp) return "Terminating";
      if (spec.suspend === true) return "Suspended";
      return "Running";
    }
    case "job.duration": {
      if (!status.startTime) return "";
      const end = status.completionTime ? Date.parse(String(status.completionTime)) : now;
      return humanDuration(end - Date.parse(String(status.startTime)));
    }
    case "slice.ports": {
      const ps = arr(o.ports).map((p) => String(p.port ?? ""));
      return ps.length ? ps.join(",") : "<unset>";
    }
    case "slice.endpoints": {
      const as = arr(o.endpoints).flatMap((e) => (Array.isArray(e.addresses) ? e.addresses.map(String) : []));
      if (!as.length) return "<unset>";
      return as.length > 3 ? `${as.slice(0, 3).join(",")} + ${as.length - 3} more...` : as.join(",");
    }
    case "ingress.hosts": {
      const hs = arr(spec.rules).map((r) => String(r.host ?? "*"));
      return hs.length ? hs.join(",") : "*";
    }
    case "ingress.address": {
      const ing = arr(((status.loadBalancer ?? {}) as Obj).ingress).map((x) => String(x.ip ?? x.hostname));
      return ing.join(",");
    }
    case "ingress.ports":
      return arr(spec.tls).length ? "80, 443" : "80";
    case "orNA": {
      const v = getPath(o, arg);
      return v === undefined || v === null ? "N/A" : String(v);
    }
    case "bool":
      return getPath(o, arg) === true ? "true" : "false";
    case "boolPtr": {
      // printBoolPtr: "True" / "False", "<unset>" when absent.
      const v = getPath(o, arg);
      return v === undefined || v === null ? "<unset>" : v === true ? "True" : "False";
    }
    case "controllerRevision.controller": {
      const ref = arr(meta.ownerReferences).find((r) => r.controller === true);
      if (!ref) return "<none>";
      const group = String(ref.apiVersion ?? "").includes("/")
        ? `.${String(ref.apiVersion).split("/")[0]}`
        : "";
      return `${String(ref.kind).toLowerCase()}${group}/${String(ref.name)}`;
    }
    case "metrics.usage": {
      // A NodeMetrics' usage, or the sum of a PodMetrics' containers (addPodMetricsToTable).
      if (isObj(o.usage)) return String(o.usage[arg] ?? "0");
      let total = 0;
      for (const c of arr(o.containers))
        total += parseQuantity(String((c.usage as Obj | undefined)?.[arg] ?? "0"));
      return arg === "cpu" ? cpuQuantity(Math.round(total * 1e9)) : memoryQuantity(Math.round(total));
    }
    case "apiService.service": {
      const svc = spec.service as Obj | undefined | null;
      return svc ? `${String(svc.namespace ?? "")}/${String(svc.name ?? "")}` : "Local";
    }
    case "apiService.available": {
      const c = arr(status.conditions).find((x) => x.type === "Available");
      if (!c) return "Unknown";
      if (c.status === "True" || !c.reason) return String(c.status ?? "");
      return `${String(c.status ?? "")} (${String(c.reason)})`;
    }
    case "hpa.reference": {
      const r = (spec.scaleTargetRef ?? {}) as Obj;
      return `${String(r.kind ?? "")}/${String(r.name ?? "")}`;
    }
    case "hpa.minPods":
      return spec.minReplicas === undefined ? "<unset>" : String(spec.minReplicas);
    case "hpa.targets": {
      const current = arr(status.currentMetrics);
      const out = arr(spec.metrics).map((m, i) => {
        const target = ((m.resource ?? m.containerResource ?? m.pods ?? m.object ?? m.external ?? {}) as Obj)
          .target as Obj | undefined;
        const name = String(((m.resource ?? m.containerResource ?? {}) as Obj).name ?? "");
        const cur = ((current[i]?.resource ?? {}) as Obj).current as Obj | undefined;
        const util = target?.type === "Utilization";
        const want = util
          ? `${String(target?.averageUtilization ?? "")}%`
          : String(target?.averageValue ?? target?.value ?? "");
        const have =
          cur === undefined
            ? "<unknown>"
            : util
              ? `${String(cur.averageUtilization ?? "")}%`
              : String(cur.averageValue ?? cur.value ?? "");
        return `${name ? `${name}: ` : ""}${have}/${want}`;
      });
      return out.length ? out.join(", ") : "<none>";
    }
    case "storageClass.name": {
      const ann = (meta.annotations ?? {}) as Obj;
      const dflt =
        ann["storageclass.kubernetes.io/is-default-class"] === "true" ||
        ann["storageclass.beta.kubernetes.io/is-default-class"] === "true";
      return `${String(meta.name)}${dflt ? " (default)" : ""}`;
    }
    case "boolOr": {
      // A *bool printed as a bool, its default when unset (printCSIDriver, printVolumeAttachment).
      const [p, dflt] = arg.split(",");
      const v = getPath(o, p);
      return typeof v === "boolean" ? v : dflt === "true";
    }
    case "joinOrNone": {
      const v = getPath(o, arg);
      return Array.isArray(v) && v.length ? v.map(String).join(",") : "<none>";
    }
    case "csiDriver.tokenRequests": {
      // An empty list that is there prints as an empty cell, an absent one as <unset>.
      const t = spec.tokenRequests;
      return Array.isArray(t)
        ? arr(t)
            .map((x) => String(x.audience ?? ""))
            .join(",")
        : "<unset>";
    }
    // printComponentStatus: the Healthy condition's status, message and error.
    case "componentStatus.status":
    case "componentStatus.message":
    case "componentStatus.error": {
      const c = arr(o.conditions).find((x) => x.type === "Healthy");
      if (fn === "componentStatus.status")
        return c ? (c.status === "True" ? "Healthy" : "Unhealthy") : "Unknown";
      return String((fn === "componentStatus.message" ? c?.message : c?.error) ?? "");
    }
    case "csr.requestedDuration": {
      const s = spec.expirationSeconds;
      return typeof s === "number" ? humanDuration(s * 1000) : "<none>";
    }
    case "csr.condition": {
      // extractCSRStatus: Denied over Approved over Pending, then Failed and Issued.
      const types = new Set(arr(status.conditions).map((x) => x.type));
      let out = types.has("Denied") ? "Denied" : types.has("Approved") ? "Approved" : "Pending";
      if (types.has("Failed")) out += ",Failed";
      if (typeof status.certificate === "string" && status.certificate) out += ",Issued";
      return out;
    }
    case "admissionPolicy.paramKind": {
      const k = spec.paramKind as Obj | undefined;
      return k ? `${String(k.apiVersion ?? "")}/${String(k.kind ?? "")}` : "<unset>";
    }
    case "admissionPolicy.paramRef": {
      // Without a namespace the param may be cluster-scoped or in the request's: `*/<name>`.
      const r = spec.paramRef as Obj | undefined;
      if (!r) return "<unset>";
      if (r.name) return `${r.namespace ? String(r.namespace) : "*"}/${String(r.name)}`;
      return r.selector ? formatLabelSelector(r.selector) : "<unset>";
    }
    case "flowSchema.missingPL": {
      const c = arr(status.conditions).find((x) => x.type === "Dangling");
      return c ? String(c.status ?? "") : "?";
    }
    case "plc": {
      // printPriorityLevelConfiguration: <none> unless Limited (and Queue for the queuing cells).
      const limited = spec.limited as Obj | undefined;
      if (!limited) return "<none>";
      if (arg === "nominalConcurrencyShares") return Number(limited.nominalConcurrencyShares ?? 0);
      const q = (limited.limitResponse as Obj | undefined)?.queuing as Obj | undefined;
      return q ? Number(q[arg] ?? 0) : "<none>";
    }
    // printPersistentVolume / printPersistentVolumeClaim (pkg/printers/internalversion).
    case "text": {
      // A Go string printed as is: empty stays empty.
      const v = getPath(o, arg);
      return v === undefined || v === null ? "" : String(v);
    }
    case "unset": {
      const v = getPath(o, arg);
      return v === undefined || v === null ? "<unset>" : String(v);
    }
    case "accessModes":
      return accessModesString(getPath(o, arg));
    case "volume.phase":
      return meta.deletionTimestamp ? "Terminating" : String(status.phase ?? "");
    case "volume.class": {
      // GetPersistentVolume(Claim)Class: the beta annotation first.
      const ann = (meta.annotations ?? {}) as Obj;
      const beta = ann["volume.beta.kubernetes.io/storage-class"];
      return typeof beta === "string" ? beta : String(spec.storageClassName ?? "");
    }
    case "pvc.bound": {
      // Capacity and access modes are the claim's status, shown once it names its volume.
      if (!spec.volumeName) return "";
      if (arg === "accessModes") return accessModesString(status.accessModes);
      const v = getPath(o, arg);
      return v === undefined || v === null ? "0" : String(v);
    }
    case "pv.claim": {
      const ref = spec.claimRef as Obj | undefined;
      return ref ? `${String(ref.namespace ?? "")}/${String(ref.name ?? "")}` : "";
    }
    case "ingressClass.parameters": {
      const p = spec.parameters as Obj | undefined;
      if (!p) return "<none>";
      const g = p.apiGroup ? `.${String(p.apiGroup)}` : "";
      return `${String(p.kind)}${g}/${String(p.name)}`;
    }
    // kubectl's printer: "key: used/hard" for every hard key, `limits.*` in Limit, the rest in Request.
    case "quota.request":
    case "quota.limit": {
      const hard = (status.hard ?? spec.hard ?? {}) as Obj;
      const used = (status.used ?? {}) as Obj;
      const limits = fn === "quota.limit";
      return Object.keys(hard)
        .sort()
        .filter((k) => k.startsWith("limits.") === limits)
        .map((k) => `${k}: ${String(used[k] ?? "0")}/${String(hard[k])}`)
        .join(", ");
    }
    case "rbac.role": {
      const r = (o.roleRef ?? {}) as Obj;
      return `${String(r.kind ?? "")}/${String(r.name ?? "")}`;
    }
    case "rbac.subjects": {
      const names = arr(o.subjects)
        .filter((x) => x.kind === arg)
        .map((x) =>
          arg === "ServiceAccount" ? `${String(x.namespace ?? "")}/${String(x.name)}` : String(x.name),
        );
      return names.join(", ");
    }
    default:
      return "";
  }
}

export interface TableOptions {
  includeObject: "None" | "Metadata" | "Object";
  now?: number;
}

export function renderTable(
  columns: PrinterColumn[],
  items: Obj[],
  listMeta: Obj,
  opts: TableOptions,
): Record<string, unknown> {
  const now = opts.now ?? Date.now();
  return { ...tableHead(columns, listMeta), rows: items.map((o) => tableRow(columns, o, opts, now)) };
}

/** A Table without its rows (large lists are serialised row by row, in slices). */
export function tableHead(columns: PrinterColumn[], listMeta: Obj): Record<string, unknown> {
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: listMeta,
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type === "date" ? "string" : c.type,
      format: c.format ?? (c.type === "date" ? "date" : ""),
      description: c.description ?? "",
      priority: c.priority ?? 0,
    })),
  };
}

export function tableRow(columns: PrinterColumn[], o: Obj, opts: TableOptions, now: number): Obj {
  // Cells read the storage version's shape (kube-apiserver prints from the internal object).
  const shaped = inStorageShape(o);
  return {
    cells: columns.map((c) => cell(c, shaped, now)),
    object:
      opts.includeObject === "None"
        ? undefined
        : opts.includeObject === "Object"
          ? o
          : {
              kind: "PartialObjectMetadata",
              apiVersion: "meta.k8s.io/v1",
              metadata: o.metadata,
            },
  };
}

/** A CRD version's additionalPrinterColumns as table columns (Name first, Age last by default). */
export function crdColumns(apc: Obj[] | undefined): PrinterColumn[] {
  const cols: PrinterColumn[] = [{ name: "Name", type: "string", format: "name", cell: ".metadata.name" }];
  if (!apc || apc.length === 0) {
    cols.push({ name: "Age", type: "date", cell: "since:.metadata.creationTimestamp" });
    return cols;
  }
  for (const c of apc) {
    const type = String(c.type ?? "string") as PrinterColumn["type"];
    cols.push({
      name: String(c.name),
      type,
      ...(c.format ? { format: String(c.format) } : {}),
      ...(c.description ? { description: String(c.description) } : {}),
      priority: Number(c.priority ?? 0),
      // kube-apiserver renders date columns of custom resources as ages.
      cell: `${type === "date" ? "since:" : ""}.${String(c.jsonPath ?? "").replace(/^\./, "")}`,
    });
  }
  return cols;
}
