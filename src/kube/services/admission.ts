// Service IP and port allocation as kube-apiserver's Service registry does it, run as a step of
// the mutating admission chain (kube/admission.ts) inside the write transaction of a Service
// create or update: defaults, ClusterIP(s) from the cluster's serviceCidr(s), node ports
// 30000–32767, the health-check node port of `externalTrafficPolicy: Local` LoadBalancers.
// Every address and port is an allocation row (`tx.allocate`, unique by constraint) owned by the
// Service's uid, so two Services never share one even when creates race or the process is
// killed; rows a Service no longer holds are released in the same transaction, and the rows of
// a deleted Service are released by the Service controller (controllers/services.ts: sweep).
import type { Service, ServicePort } from "kubernetes-types/core/v1.js";
import { type Cidr, NetError, parseCidr } from "../../net/cidr.js";
import type { Tx } from "../../store/types.js";
import type { AdmissionStep, Obj } from "../admission.js";
import { clusterSource, serviceCidrStrings } from "../controllers/source.js";
import { invalid, type StatusCause } from "../errors.js";
import { cloneJson } from "../json.js";
import {
  type AllocationFailure,
  chooseClusterIP,
  chooseNodePort,
  requestClusterIP,
  requestNodePort,
} from "./allocation.js";

export const clusterIPPool = (cluster: string) => `kube/${cluster}/service-ips`;
export const nodePortPool = (cluster: string) => `kube/${cluster}/node-ports`;
export const serviceOwner = (cluster: string, uid: string) => `kube/${cluster}/svc/${uid}`;

/** The cluster's service CIDRs (first = primary family): the managed cluster's networkProfile, or AksHci's fixed one. */
export async function serviceCidrs(tx: Tx, cluster: string): Promise<Cidr[]> {
  const c = await clusterSource(tx, cluster);
  const list = c ? serviceCidrStrings(c) : ["10.0.0.0/16"];
  const out: Cidr[] = [];
  for (const s of list) {
    try {
      out.push(parseCidr(s));
    } catch (e) {
      if (!(e instanceof NetError)) throw e;
    }
  }
  return out;
}

const needsNodePorts = (s: Service) =>
  s.spec?.type === "NodePort" ||
  (s.spec?.type === "LoadBalancer" && s.spec.allocateLoadBalancerNodePorts !== false);
const needsHealthCheck = (s: Service) =>
  s.spec?.type === "LoadBalancer" && s.spec.externalTrafficPolicy === "Local";

/** kube-apiserver's defaults (SetDefaults_Service and the registry's). */
function defaults(s: Service, old: Service | undefined): void {
  const spec = s.spec ?? {};
  s.spec = spec;
  spec.type ??= "ClusterIP";
  if (spec.type === "ExternalName") return;
  spec.sessionAffinity ??= "None";
  spec.internalTrafficPolicy ??= "Cluster";
  if (spec.type === "NodePort" || spec.type === "LoadBalancer") spec.externalTrafficPolicy ??= "Cluster";
  else delete spec.externalTrafficPolicy;
  if (spec.type === "LoadBalancer") spec.allocateLoadBalancerNodePorts ??= true;
  for (const p of spec.ports ?? []) {
    p.protocol ??= "TCP";
    p.targetPort ??= p.port;
  }
  // An update that omits allocated values keeps them (PatchAllocatedValues).
  const o = old?.spec;
  if (o && o.type !== "ExternalName") {
    if (spec.clusterIP === undefined && spec.clusterIPs === undefined && o.clusterIP) {
      spec.clusterIP = o.clusterIP;
      spec.clusterIPs = o.clusterIPs;
    }
    if (needsNodePorts(s))
      for (const p of spec.ports ?? []) {
        if (p.nodePort !== undefined) continue;
        const prev = (o.ports ?? []).find((q) => q.port === p.port && (q.protocol ?? "TCP") === p.protocol);
        if (prev?.nodePort) p.nodePort = prev.nodePort;
      }
    if (needsHealthCheck(s) && spec.healthCheckNodePort === undefined && o.healthCheckNodePort)
      spec.healthCheckNodePort = o.healthCheckNodePort;
  }
  // Type-dependent fields the user left as they were go with a type that no longer has them
  // (dropTypeDependentFields).
  if (o && !needsNodePorts(s))
    for (const p of spec.ports ?? []) {
      const prev = (o.ports ?? []).find((q) => q.port === p.port && (q.protocol ?? "TCP") === p.protocol);
      if (p.nodePort !== undefined && prev?.nodePort === p.nodePort) delete p.nodePort;
    }
  if (o && !needsHealthCheck(s) && spec.healthCheckNodePort === o.healthCheckNodePort)
    delete spec.healthCheckNodePort;
  if (o?.type === "LoadBalancer" && spec.type !== "LoadBalancer") {
    if (spec.allocateLoadBalancerNodePorts === o.allocateLoadBalancerNodePorts)
      delete spec.allocateLoadBalancerNodePorts;
    if (spec.loadBalancerClass === o.loadBalancerClass) delete spec.loadBalancerClass;
  }
}

const fail = (s: Service, causes: StatusCause[]) => invalid("Service", "", s.metadata?.name ?? "", causes);
const cause = (f: AllocationFailure, shown: string): StatusCause =>
  f.reason === "Invalid"
    ? { reason: "FieldValueInvalid", field: f.field, message: `Invalid value: ${shown}: ${f.message}` }
    : { reason: "FieldValueInvalid", field: "spec.clusterIPs", message: f.message };
const goSlice = (ips: string[]) => `[]string{${ips.map((i) => JSON.stringify(i)).join(", ")}}`;

/** The Service admission step; `req.object` is a core/v1 Service. */
export function serviceAllocationAdmission(): AdmissionStep {
  return async (req) => {
    if (req.resource !== "core/services") return req.object;
    const s = cloneJson(req.object) as Service;
    const old = req.oldObject as Service | undefined;
    defaults(s, old);
    const spec = s.spec ?? {};
    const owner = serviceOwner(req.cluster, s.metadata?.uid ?? "");
    const ipPool = clusterIPPool(req.cluster);
    const portPool = nodePortPool(req.cluster);
    const held = new Map<string, Set<string>>([
      [ipPool, new Set()],
      [portPool, new Set()],
    ]);
    for (const a of await req.tx.listAllocationsByOwner(owner)) held.get(a.pool)?.add(a.item);
    const want = new Map<string, Set<string>>([
      [ipPool, new Set()],
      [portPool, new Set()],
    ]);

    // ---- cluster IPs
    if (spec.type === "ExternalName") {
      delete spec.clusterIP;
      delete spec.clusterIPs;
      delete spec.ipFamilies;
      delete spec.ipFamilyPolicy;
    } else if (spec.clusterIP === "None" || spec.clusterIPs?.[0] === "None") {
      spec.clusterIP = "None";
      spec.clusterIPs = ["None"];
      spec.ipFamilyPolicy ??= "SingleStack";
      spec.ipFamilies ??= ["IPv4"];
    } else {
      if (old?.spec?.clusterIP && old.spec.type !== "ExternalName" && spec.clusterIP !== old.spec.clusterIP)
        throw fail(s, [
          {
            reason: "FieldValueInvalid",
            field: "spec.clusterIPs[0]",
            message: `Invalid value: ${goSlice(spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : []))}: may not change once set`,
          },
        ]);
      const ranges = await serviceCidrs(req.tx, req.cluster);
      const dual = spec.ipFamilyPolicy === "RequireDualStack" || spec.ipFamilyPolicy === "PreferDualStack";
      if (spec.ipFamilyPolicy === "RequireDualStack" && ranges.length < 2)
        throw fail(s, [
          {
            reason: "FieldValueInvalid",
            field: "spec.ipFamilyPolicy",
            message: `Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services`,
          },
        ]);
      // initIPFamilyFields: a family the cluster has no service CIDR for is refused.
      const causes = (spec.ipFamilies ?? []).flatMap((f, i): StatusCause[] =>
        ranges.some((r) => r.family === f)
          ? []
          : [
              {
                reason: "FieldValueInvalid",
                field: `spec.ipFamilies[${i}]`,
                message: `Invalid value: ${JSON.stringify(f)}: not configured on this cluster`,
              },
            ],
      );
      if (causes.length) throw fail(s, causes);
      const use = dual ? ranges : ranges.slice(0, 1);
      const requested = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
      const takenAll = new Set(
        (await req.tx.listAllocations(ipPool)).filter((a) => a.owner !== owner).map((a) => a.item),
      );
      const ips: string[] = [];
      use.forEach((range, i) => {
        const r = requested[i];
        const got = r
          ? requestClusterIP(range, r, takenAll, "spec.clusterIPs")
          : chooseClusterIP(range, takenAll);
        if (!got.ok) throw fail(s, [cause(got, goSlice(requested))]);
        ips.push(got.value);
        takenAll.add(got.value);
      });
      spec.clusterIP = ips[0];
      spec.clusterIPs = ips;
      spec.ipFamilies = use.map((r) => r.family);
      spec.ipFamilyPolicy ??= "SingleStack";
      for (const ip of ips) want.get(ipPool)?.add(ip);
    }

    // ---- node ports (requested first, so a chosen one never takes a requested one)
    const portsTaken = new Set(
      (await req.tx.listAllocations(portPool)).filter((a) => a.owner !== owner).map((a) => Number(a.item)),
    );
    const mine = new Set<number>();
    const take = (requested: number | undefined, field: string): number => {
      if (requested !== undefined && mine.has(requested)) return requested; // TCP and UDP of one port
      const got =
        requested === undefined
          ? chooseNodePort(new Set([...portsTaken, ...mine]))
          : requestNodePort(requested, portsTaken, field);
      if (!got.ok)
        throw fail(s, [
          got.reason === "Invalid"
            ? { reason: "FieldValueInvalid", field, message: `Invalid value: ${requested}: ${got.message}` }
            : { reason: "FieldValueInvalid", field, message: got.message },
        ]);
      mine.add(got.value);
      return got.value;
    };
    const ports: ServicePort[] = spec.ports ?? [];
    if (needsNodePorts(s)) {
      ports.forEach((p, i) => {
        if (p.nodePort !== undefined) p.nodePort = take(p.nodePort, `spec.ports[${i}].nodePort`);
      });
      ports.forEach((p, i) => {
        if (p.nodePort === undefined) p.nodePort = take(undefined, `spec.ports[${i}].nodePort`);
      });
    } else if (spec.type !== "LoadBalancer") {
      const i = ports.findIndex((p) => p.nodePort !== undefined);
      if (i >= 0)
        throw fail(s, [
          {
            reason: "FieldValueForbidden",
            field: `spec.ports[${i}].nodePort`,
            message: `Forbidden: may not be used when \`type\` is '${spec.type}'`,
          },
        ]);
    } else
      for (const p of ports)
        if (p.nodePort !== undefined) p.nodePort = take(p.nodePort, "spec.ports.nodePort");
    if (needsHealthCheck(s))
      spec.healthCheckNodePort = take(spec.healthCheckNodePort, "spec.healthCheckNodePort");
    else if (spec.healthCheckNodePort !== undefined)
      throw fail(s, [
        {
          reason: "FieldValueInvalid",
          field: "spec.healthCheckNodePort",
          message: `Invalid value: ${spec.healthCheckNodePort}: may only be set when \`type\` is 'LoadBalancer' and \`externalTrafficPolicy\` is 'Local'`,
        },
      ]);
    for (const p of mine) want.get(portPool)?.add(String(p));

    if (req.dryRun) return s as Obj;
    for (const [pool, items] of want)
      for (const item of items) {
        if (held.get(pool)?.has(item)) continue;
        // Read in this transaction, so a refusal means a bug, not a race.
        if (!(await req.tx.allocate(pool, item, owner)))
          throw fail(s, [
            { reason: "FieldValueInvalid", field: "spec", message: `${item} is already allocated` },
          ]);
      }
    for (const [pool, items] of held)
      for (const item of items) if (!want.get(pool)?.has(item)) await req.tx.release(pool, item);
    return s as Obj;
  };
}

/** Releases what deleted Services of the cluster still hold (their uids no longer live). */
export async function sweepServiceAllocations(
  tx: Tx,
  cluster: string,
  liveUids: ReadonlySet<string>,
): Promise<number> {
  const prefix = serviceOwner(cluster, "");
  let n = 0;
  for (const pool of [clusterIPPool(cluster), nodePortPool(cluster)])
    for (const a of await tx.listAllocations(pool)) {
      if (!a.owner.startsWith(prefix) || liveUids.has(a.owner.slice(prefix.length))) continue;
      await tx.release(pool, a.item);
      n++;
    }
  return n;
}
