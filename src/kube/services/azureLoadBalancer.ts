// What cloud-provider-azure makes of one `type: LoadBalancer` Service on an AKS cluster — pure.
// Names, defaults and refusals follow pkg/provider/azure_loadbalancer*.go and azure_standard.go:
//   - AKS runs the provider with clusterName "kubernetes": the public load balancer is
//     `kubernetes`, the internal one `kubernetes-internal`, the backend pool `kubernetes`;
//   - a Service's frontend, rules, probes and public IP are named from `a` + its UID without dashes
//     (cloudprovider.DefaultLoadBalancerName, 32 characters);
//   - one rule per port (`<frontend>-<TCP|UDP>-<port>`, with `-<subnet>` before the protocol for an
//     internal subnet), floating IP on, idle timeout 4 (4–100 by annotation), TCP reset on;
//   - probes per TCP port on its node port (TCP, or HTTP/HTTPS by appProtocol or annotation), or one
//     HTTP probe on the health-check node port for `externalTrafficPolicy: Local`, or the shared
//     kube-proxy probe (HTTP 10256 /healthz) for a port without a node port.
// The caller turns this into Azure resources (providers/network/internal.ts) and fills in the
// frontend addresses; securityRules.ts then derives the NSG rules shared by all Services.
import { type Cidr, formatCidr, NetError, parseCidr } from "../../net/cidr.js";
import { AZURE_LB_ANNOTATIONS as A, isTrue, portProbeAnnotation } from "./annotations.js";

export type KubeProtocol = "TCP" | "UDP" | "SCTP";

export interface ServicePortLike {
  name?: string;
  protocol?: KubeProtocol;
  port: number;
  nodePort?: number;
  appProtocol?: string;
}

/** The fields of a core/v1 Service the translation reads (structurally a subset of V1Service). */
export interface ServiceLike {
  metadata: { uid: string; namespace: string; name: string; annotations?: Record<string, string> };
  spec: {
    type?: string;
    ports?: ServicePortLike[];
    loadBalancerSourceRanges?: string[];
    loadBalancerIP?: string;
    externalTrafficPolicy?: string;
    healthCheckNodePort?: number;
    sessionAffinity?: string;
    ipFamilies?: string[];
  };
}

export interface LoadBalancerContext {
  /** cloud-provider-azure's clusterName; AKS uses "kubernetes". */
  clusterName?: string;
  /** AKS's LB rules disable outbound SNAT: outbound traffic goes through the outbound rule. */
  disableOutboundSnat?: boolean;
}

export type ProbeProtocol = "Tcp" | "Http" | "Https";

export interface DesiredProbe {
  name: string;
  protocol: ProbeProtocol;
  port: number;
  requestPath?: string;
  intervalInSeconds: number;
  probeThreshold: number;
}

export interface DesiredRule {
  name: string;
  protocol: "Tcp" | "Udp";
  frontendPort: number;
  backendPort: number;
  enableFloatingIP: boolean;
  idleTimeoutInMinutes: number;
  enableTcpReset?: boolean;
  loadDistribution: "Default" | "SourceIP";
  disableOutboundSnat: boolean;
  /** Name of the probe this rule uses, when it has one. */
  probe?: string;
}

export type SecurityProtocol = "Tcp" | "Udp" | "*";

export interface DesiredServiceLoadBalancer {
  /** `<namespace>/<name>`, as the provider tags resources (`k8s-azure-service`). */
  service: string;
  internal: boolean;
  loadBalancerName: string;
  backendPoolName: string;
  frontendName: string;
  /** Public frontends: the public IP to use (ours, or the user's when named or requested). */
  publicIP?: {
    name: string;
    /** Resource group of a user's IP (`azure-load-balancer-resource-group`); undefined = node resource group. */
    resourceGroup?: string;
    /** An address the user asked for (`loadBalancerIP` / `azure-load-balancer-ipv4`): must be a static IP they own. */
    requestedAddress?: string;
    /** True when the name came from `azure-pip-name` or an address was requested: the IP is the user's, never deleted. */
    userOwned: boolean;
    dnsLabel?: string;
  };
  /** Internal frontends: a private address from the cluster subnet or the named one. */
  privateIP?: { subnetName?: string; requestedAddress?: string };
  rules: DesiredRule[];
  probes: DesiredProbe[];
  /** NSG inputs (securityRules.ts): destination ports per protocol and who may connect. */
  security: {
    ports: Partial<Record<SecurityProtocol, number[]>>;
    serviceTags: string[];
    ipRanges: string[];
    denyAllExceptSourceRanges: boolean;
  };
}

export type Translation = { ok: true; value: DesiredServiceLoadBalancer } | { ok: false; message: string };

/**
 * The probe cloud-provider-azure's shared health-probe mode gives Cluster-policy ports: kube-proxy's
 * health endpoint on every node. A port without a node port (`allocateLoadBalancerNodePorts: false`)
 * has nothing else to probe, so it gets this one (one per load balancer, shared by its Services).
 */
export const SHARED_PROBE: DesiredProbe = {
  name: "cluster-service-shared-health-probe",
  protocol: "Http",
  port: 10256,
  requestPath: "/healthz",
  intervalInSeconds: 5,
  probeThreshold: 2,
};

const RULE_NAME_MAX = 80 - 5; // LoadBalancerRuleNameMaxLength − IPFamilySuffixLength
const FRONTEND_NAME_MAX = 80 - 5;
const PIP_NAME_MAX = 80 - 5;

/** cloudprovider.DefaultLoadBalancerName: "a" + UID without dashes, cut to 32 characters. */
export function defaultLoadBalancerName(uid: string): string {
  return `a${uid.replace(/-/g, "")}`.slice(0, 32);
}

export function isInternalService(svc: ServiceLike): boolean {
  return isTrue(svc.metadata.annotations, A.internal);
}

function internalSubnet(svc: ServiceLike): string | undefined {
  if (!isInternalService(svc)) return undefined;
  const s = svc.metadata.annotations?.[A.internalSubnet]?.trim();
  return s ? s : undefined;
}

export function frontendName(svc: ServiceLike): string {
  const base = defaultLoadBalancerName(svc.metadata.uid);
  const subnet = internalSubnet(svc);
  if (!subnet) return base;
  let name = `${base}-${subnet}`;
  if (name.length > FRONTEND_NAME_MAX) {
    name = name.slice(0, FRONTEND_NAME_MAX);
    if (!/[A-Za-z_]$/.test(name)) name = `${name.slice(0, -1)}_`;
  }
  return name;
}

export function ruleName(svc: ServiceLike, protocol: KubeProtocol, port: number): string {
  const prefix = defaultLoadBalancerName(svc.metadata.uid);
  const plain = `${prefix}-${protocol}-${port}`;
  const subnet = internalSubnet(svc);
  if (!subnet) return plain;
  let segment = subnet;
  if (plain.length + segment.length + 1 > RULE_NAME_MAX)
    segment = segment.slice(0, RULE_NAME_MAX - plain.length - 1);
  return `${prefix}-${segment}-${protocol}-${port}`;
}

export function publicIPName(svc: ServiceLike, clusterName = "kubernetes"): string {
  const named = svc.metadata.annotations?.[A.pipName]?.trim();
  if (named) return named;
  return `${clusterName}-${defaultLoadBalancerName(svc.metadata.uid)}`.slice(0, PIP_NAME_MAX);
}

function intAnnotation(
  annotations: Readonly<Record<string, string>> | undefined,
  key: string,
): { ok: true; value?: number } | { ok: false; message: string } {
  const raw = annotations?.[key];
  if (raw === undefined) return { ok: true };
  const v = Number(raw.trim());
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(v)) {
    return { ok: false, message: `strconv.ParseInt: parsing ${JSON.stringify(raw)}: invalid syntax` };
  }
  return { ok: true, value: v };
}

function probeSettings(
  svc: ServiceLike,
  port: number,
): { ok: true; interval: number; threshold: number } | { ok: false; message: string } {
  const ann = svc.metadata.annotations;
  const pick = (perPort: string, global: string, min: number, def: number, label: string) => {
    const key = ann?.[perPort] !== undefined ? perPort : global;
    const got = intAnnotation(ann, key);
    if (!got.ok) return { ok: false as const, message: `failed to parse annotation ${key}: ${got.message}` };
    if (got.value === undefined) return { ok: true as const, value: def };
    if (got.value < min) {
      return {
        ok: false as const,
        message: `failed to parse annotation ${key}: the minimum value of ${label} is ${min}`,
      };
    }
    return { ok: true as const, value: got.value };
  };
  const interval = pick(portProbeAnnotation(port, "interval"), A.probeInterval, 5, 5, "interval");
  if (!interval.ok) return interval;
  const threshold = pick(portProbeAnnotation(port, "num-of-probe"), A.probeNumOfProbe, 2, 2, "num-of-probe");
  if (!threshold.ok) return threshold;
  return { ok: true, interval: interval.value, threshold: threshold.value };
}

function probeProtocol(svc: ServiceLike, p: ServicePortLike): ProbeProtocol {
  const ann = svc.metadata.annotations;
  const raw =
    ann?.[portProbeAnnotation(p.port, "protocol")] ?? p.appProtocol ?? ann?.[A.probeProtocol] ?? "Tcp";
  switch (raw.trim().toLowerCase()) {
    case "http":
      return "Http";
    case "https":
      return "Https";
    default:
      return "Tcp"; // unknown protocols fall back to TCP, as the provider does
  }
}

function isAllowAll(range: Cidr): boolean {
  return range.prefixLength === 0;
}

/** Aggregated source ranges: canonical, de-duplicated, without ranges another one contains. */
function aggregate(ranges: Cidr[]): string[] {
  const sorted = [...ranges].sort((a, b) => a.prefixLength - b.prefixLength);
  const kept: Cidr[] = [];
  for (const r of sorted) {
    const covered = kept.some(
      (k) =>
        k.family === r.family &&
        k.prefixLength <= r.prefixLength &&
        r.network >> BigInt((k.family === "IPv4" ? 32 : 128) - k.prefixLength) ===
          k.network >> BigInt((k.family === "IPv4" ? 32 : 128) - k.prefixLength),
    );
    if (!covered) kept.push(r);
  }
  return kept.map(formatCidr).sort();
}

function splitList(v: string | undefined): string[] {
  return (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The access-control inputs of a Service (loadbalancer/accesscontrol.go). */
function accessControl(
  svc: ServiceLike,
): DesiredServiceLoadBalancer["security"] & { allowInternet: boolean } {
  const ann = svc.metadata.annotations;
  const serviceTags = splitList(ann?.[A.allowedServiceTags]);
  const parse = (list: string[]) => {
    const valid: Cidr[] = [];
    let invalid = 0;
    for (const s of list) {
      try {
        valid.push(parseCidr(s));
      } catch (e) {
        if (!(e instanceof NetError)) throw e;
        invalid++;
      }
    }
    return { valid, invalid };
  };
  const source = parse((svc.spec.loadBalancerSourceRanges ?? []).map((s) => s.trim()).filter(Boolean));
  const allowed = parse(splitList(ann?.[A.allowedIpRanges]));
  const invalidRanges = source.invalid + allowed.invalid > 0;
  const allowsAll = (c: Cidr[]) => c.length > 0 && c.every(isAllowAll);
  let allowInternet: boolean;
  if (serviceTags.length > 0) allowInternet = false;
  else if (source.valid.length > 0 && !allowsAll(source.valid)) allowInternet = false;
  else if (allowed.valid.length > 0 && !allowsAll(allowed.valid)) allowInternet = false;
  else if (invalidRanges) allowInternet = false;
  else if (!isInternalService(svc)) allowInternet = true;
  else allowInternet = allowed.valid.length > 0 || source.valid.length > 0;

  const tags = [...serviceTags];
  // "Allow all" ranges are expressed as the ranges themselves, not as the Internet tag.
  if (allowInternet && !allowsAll(allowed.valid) && !allowsAll(source.valid)) tags.push("Internet");
  const denyAll =
    (isTrue(ann, A.denyAllExceptSourceRanges) && source.valid.length + allowed.valid.length > 0) ||
    invalidRanges;
  return {
    ports: {},
    serviceTags: tags,
    ipRanges: aggregate([...source.valid, ...allowed.valid]),
    denyAllExceptSourceRanges: denyAll,
    allowInternet,
  };
}

const PROTOCOL: Record<KubeProtocol, "Tcp" | "Udp" | undefined> = { TCP: "Tcp", UDP: "Udp", SCTP: undefined };

/** The Azure side of one LoadBalancer Service, or the message of a `SyncLoadBalancerFailed` event. */
export function desiredServiceLoadBalancer(svc: ServiceLike, ctx: LoadBalancerContext = {}): Translation {
  const clusterName = ctx.clusterName ?? "kubernetes";
  const ann = svc.metadata.annotations;
  const internal = isInternalService(svc);
  const ports = svc.spec.ports ?? [];
  const disableFloatingIP = isTrue(ann, A.disableFloatingIP);

  const idle = intAnnotation(ann, A.idleTimeout);
  if (!idle.ok)
    return { ok: false, message: `error parsing idle timeout key: ${A.idleTimeout}, err: ${idle.message}` };
  if (idle.value !== undefined && (idle.value < 4 || idle.value > 100)) {
    return {
      ok: false,
      message: `error parsing idle timeout key: ${A.idleTimeout}, err: idle timeout value must be a whole number representing minutes between 4 and 100, actual value: ${idle.value}`,
    };
  }
  const idleTimeoutInMinutes = idle.value ?? 4;

  const rules: DesiredRule[] = [];
  const probes: DesiredProbe[] = [];
  const securityPorts: Partial<Record<SecurityProtocol, number[]>> = {};

  let healthProbe: DesiredProbe | undefined;
  if (svc.spec.externalTrafficPolicy === "Local" && svc.spec.healthCheckNodePort) {
    const settings = probeSettings(svc, svc.spec.healthCheckNodePort);
    if (!settings.ok) return settings;
    healthProbe = {
      name: ruleName(svc, "TCP", svc.spec.healthCheckNodePort),
      protocol: "Http",
      port: svc.spec.healthCheckNodePort,
      requestPath: "/healthz",
      intervalInSeconds: settings.interval,
      probeThreshold: settings.threshold,
    };
  }
  let healthProbeAdded = false;

  for (const p of ports) {
    const kubeProtocol = p.protocol ?? "TCP";
    const protocol = PROTOCOL[kubeProtocol];
    if (!protocol)
      return { ok: false, message: "SCTP is only supported on standard loadbalancer in internal mode" };
    const name = ruleName(svc, kubeProtocol, p.port);
    const rule: DesiredRule = {
      name,
      protocol,
      frontendPort: p.port,
      backendPort: disableFloatingIP ? (p.nodePort ?? p.port) : p.port,
      enableFloatingIP: !disableFloatingIP,
      idleTimeoutInMinutes,
      loadDistribution: svc.spec.sessionAffinity === "ClientIP" ? "SourceIP" : "Default",
      disableOutboundSnat: ctx.disableOutboundSnat ?? true,
    };
    if (protocol === "Tcp") rule.enableTcpReset = !isTrue(ann, A.disableTcpReset);

    const nodePort = p.nodePort;
    if (protocol === "Tcp" && !healthProbe && nodePort === undefined) {
      rule.probe = SHARED_PROBE.name;
      if (!probes.some((x) => x.name === SHARED_PROBE.name)) probes.push({ ...SHARED_PROBE });
    } else if (protocol === "Tcp" && !healthProbe && nodePort !== undefined) {
      const settings = probeSettings(svc, p.port);
      if (!settings.ok) return settings;
      const pp = probeProtocol(svc, p);
      const probe: DesiredProbe = {
        name,
        protocol: pp,
        port: nodePort,
        intervalInSeconds: settings.interval,
        probeThreshold: settings.threshold,
      };
      if (pp !== "Tcp") {
        probe.requestPath =
          ann?.[portProbeAnnotation(p.port, "request-path")] ?? ann?.[A.probeRequestPath] ?? "/";
      }
      probes.push(probe);
      rule.probe = name;
    } else if (healthProbe) {
      rule.probe = healthProbe.name;
      if (!healthProbeAdded) {
        probes.push(healthProbe);
        healthProbeAdded = true;
      }
    }
    rules.push(rule);
    const dst = disableFloatingIP ? (p.nodePort ?? p.port) : p.port;
    const list = securityPorts[protocol] ?? [];
    if (!list.includes(dst)) list.push(dst);
    securityPorts[protocol] = list;
  }

  const access = accessControl(svc);
  const requested = (ann?.[A.ipv4] ?? svc.spec.loadBalancerIP ?? "").trim() || undefined;
  const value: DesiredServiceLoadBalancer = {
    service: `${svc.metadata.namespace}/${svc.metadata.name}`,
    internal,
    loadBalancerName: internal ? `${clusterName}-internal` : clusterName,
    backendPoolName: clusterName,
    frontendName: frontendName(svc),
    rules,
    probes,
    security: {
      ports: securityPorts,
      serviceTags: access.serviceTags,
      ipRanges: access.ipRanges,
      denyAllExceptSourceRanges: access.denyAllExceptSourceRanges,
    },
  };
  if (internal) {
    value.privateIP = { subnetName: internalSubnet(svc), requestedAddress: requested };
  } else {
    const named = ann?.[A.pipName]?.trim();
    const rg = ann?.[A.resourceGroup]?.trim();
    value.publicIP = {
      name: publicIPName(svc, clusterName),
      resourceGroup: rg ? rg : undefined,
      requestedAddress: requested,
      userOwned: Boolean(named) || requested !== undefined,
      dnsLabel: ann?.[A.dnsLabelName]?.trim() || undefined,
    };
  }
  return { ok: true, value };
}
