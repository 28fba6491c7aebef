// The Service annotations cloud-provider-azure reads (pkg/consts/consts.go), as one table so the
// translation and its tests name them once.
export const AZURE_LB_ANNOTATIONS = {
  internal: "service.beta.kubernetes.io/azure-load-balancer-internal",
  internalSubnet: "service.beta.kubernetes.io/azure-load-balancer-internal-subnet",
  pipName: "service.beta.kubernetes.io/azure-pip-name",
  resourceGroup: "service.beta.kubernetes.io/azure-load-balancer-resource-group",
  ipv4: "service.beta.kubernetes.io/azure-load-balancer-ipv4",
  ipv6: "service.beta.kubernetes.io/azure-load-balancer-ipv6",
  dnsLabelName: "service.beta.kubernetes.io/azure-dns-label-name",
  idleTimeout: "service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout",
  disableTcpReset: "service.beta.kubernetes.io/azure-load-balancer-disable-tcp-reset",
  allowedServiceTags: "service.beta.kubernetes.io/azure-allowed-service-tags",
  allowedIpRanges: "service.beta.kubernetes.io/azure-allowed-ip-ranges",
  denyAllExceptSourceRanges: "service.beta.kubernetes.io/azure-deny-all-except-load-balancer-source-ranges",
  disableFloatingIP: "service.beta.kubernetes.io/azure-disable-load-balancer-floating-ip",
  probeProtocol: "service.beta.kubernetes.io/azure-load-balancer-health-probe-protocol",
  probeRequestPath: "service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path",
  probeInterval: "service.beta.kubernetes.io/azure-load-balancer-health-probe-interval",
  probeNumOfProbe: "service.beta.kubernetes.io/azure-load-balancer-health-probe-num-of-probe",
} as const;

/** `service.beta.kubernetes.io/port_<port>_health-probe_<param>`: a per-port override. */
export function portProbeAnnotation(
  port: number,
  param: "protocol" | "request-path" | "interval" | "num-of-probe" | "port",
): string {
  return `service.beta.kubernetes.io/port_${port}_health-probe_${param}`;
}

/** cloud-provider-azure treats only the literal "true" (any case) as on. */
export function isTrue(annotations: Readonly<Record<string, string>> | undefined, key: string): boolean {
  return (annotations?.[key] ?? "").trim().toLowerCase() === "true";
}
