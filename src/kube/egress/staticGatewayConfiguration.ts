// The StaticGatewayConfiguration (kube-egress-gateway, egressgateway.kubernetes.azure.com/v1alpha1)
// — its CRD as data, and the pure parts of its controller: spec validation with the controller's
// own words (an `InvalidSpec` event, not an admission refusal), the WireGuard key pair, the ILB port
// choice and the BYO prefix length check. Controllers wire these to the Kubernetes API and to
// providers/network; nothing here does I/O.
import { generateKeyPairSync } from "node:crypto";
import { lowestFreeInt } from "../../net/allocator.js";

export const SGC_GROUP = "egressgateway.kubernetes.azure.com";
export const SGC_VERSION = "v1alpha1";
export const SGC_FINALIZER = "static-gateway-configuration-controller.microsoft.com";
export const SGC_POD_ANNOTATION = "kubernetes.azure.com/static-gateway-configuration";
/** The ILB the operator keeps, one per cluster, in the node resource group. */
export const GATEWAY_ILB_NAME = "kubeegressgateway-ilb";
export const WIREGUARD_PORT_START = 6000;
/** Exclusive, as the operator's WireguardPortEnd. */
export const WIREGUARD_PORT_END = 7000;
/** Health probe the operator puts on every configuration's rule. */
export const GATEWAY_PROBE = {
  protocol: "Http",
  port: 8082,
  intervalInSeconds: 5,
  probeThreshold: 1,
} as const;

export interface GatewayVmssProfile {
  vmssResourceGroup?: string;
  vmssName?: string;
  publicIpPrefixSize?: number;
}

export interface StaticGatewayConfigurationSpec {
  gatewayNodepoolName?: string;
  gatewayVmssProfile?: GatewayVmssProfile;
  defaultRoute?: "staticEgressGateway" | "azureNetworking";
  provisionPublicIps?: boolean;
  publicIpPrefixId?: string;
  excludeCidrs?: string[];
}

export interface StaticGatewayConfigurationStatus {
  egressIpPrefix?: string;
  gatewayServerProfile?: {
    ip?: string;
    port?: number;
    publicKey?: string;
    privateKeySecretRef?: { apiVersion?: string; kind?: string; name?: string; namespace?: string };
  };
}

const str = (description: string) => ({ type: "string", description });

/** The CRD the add-on installs (schema: the real one's fields, enums, defaults and ranges). */
export function staticGatewayConfigurationCrd(): Record<string, unknown> {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `staticgatewayconfigurations.${SGC_GROUP}` },
    spec: {
      group: SGC_GROUP,
      names: {
        kind: "StaticGatewayConfiguration",
        listKind: "StaticGatewayConfigurationList",
        plural: "staticgatewayconfigurations",
        singular: "staticgatewayconfiguration",
      },
      scope: "Namespaced",
      versions: [
        {
          name: SGC_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: "StaticGatewayConfiguration is the Schema for the staticgatewayconfigurations API",
              properties: {
                apiVersion: str(
                  "APIVersion defines the versioned schema of this representation of an object.",
                ),
                kind: str("Kind is a string value representing the REST resource this object represents."),
                metadata: { type: "object" },
                spec: {
                  type: "object",
                  description:
                    "StaticGatewayConfigurationSpec defines the desired state of StaticGatewayConfiguration",
                  required: ["provisionPublicIps"],
                  properties: {
                    defaultRoute: {
                      type: "string",
                      default: "staticEgressGateway",
                      enum: ["azureNetworking", "staticEgressGateway"],
                      description:
                        "Pod default route, should be either azureNetworking (pod's eth0) or staticEgressGateway (default).",
                    },
                    excludeCidrs: {
                      type: "array",
                      items: { type: "string" },
                      description: "CIDRs to be excluded from the default route.",
                    },
                    gatewayNodepoolName: str(
                      "Name of the gateway nodepool to apply the gateway configuration.",
                    ),
                    gatewayVmssProfile: {
                      type: "object",
                      description: "Profile of the gateway VMSS to apply the gateway configuration.",
                      properties: {
                        publicIpPrefixSize: {
                          type: "integer",
                          format: "int32",
                          minimum: 0,
                          maximum: 31,
                          description: "Public IP prefix size to be applied to this VMSS.",
                        },
                        vmssName: str("Name of the VMSS"),
                        vmssResourceGroup: str(
                          "Resource group of the VMSS. Must be in the same subscription.",
                        ),
                      },
                    },
                    provisionPublicIps: {
                      type: "boolean",
                      default: true,
                      description: "Whether to provision public IP prefixes for outbound.",
                    },
                    publicIpPrefixId: str(
                      "BYO Resource ID of public IP prefix to be used as outbound. This can only be specified when provisionPublicIps is true.",
                    ),
                  },
                },
                status: {
                  type: "object",
                  description:
                    "StaticGatewayConfigurationStatus defines the observed state of StaticGatewayConfiguration",
                  properties: {
                    egressIpPrefix: str("Egress IP Prefix CIDR used for this gateway configuration."),
                    gatewayServerProfile: {
                      type: "object",
                      description: "Gateway server profile.",
                      properties: {
                        ip: str("Gateway IP for connection."),
                        port: {
                          type: "integer",
                          format: "int32",
                          description: "Listening port of the gateway server.",
                        },
                        privateKeySecretRef: {
                          type: "object",
                          description: "Reference of the secret that holds gateway side private key.",
                          "x-kubernetes-map-type": "atomic",
                          properties: {
                            apiVersion: str("API version of the referent."),
                            fieldPath: str(
                              "If referring to a piece of an object instead of an entire object, a field path.",
                            ),
                            kind: str("Kind of the referent."),
                            name: str("Name of the referent."),
                            namespace: str("Namespace of the referent."),
                            resourceVersion: str(
                              "Specific resourceVersion to which this reference is made, if any.",
                            ),
                            uid: str("UID of the referent."),
                          },
                        },
                        publicKey: str("Gateway server public key."),
                      },
                    },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

function vmssProfileIsEmpty(p: GatewayVmssProfile | undefined): boolean {
  return !p || (!p.vmssResourceGroup && !p.vmssName && !p.publicIpPrefixSize);
}

/** Go's %#v of the embedded profile, as the controller prints it into its error. */
function goProfile(p: GatewayVmssProfile | undefined): string {
  return `v1alpha1.GatewayVmssProfile{VmssResourceGroup:${JSON.stringify(p?.vmssResourceGroup ?? "")}, VmssName:${JSON.stringify(p?.vmssName ?? "")}, PublicIpPrefixSize:${p?.publicIpPrefixSize ?? 0}}`;
}

interface FieldError {
  field: string;
  value: string | number;
  detail: string;
}

function formatFieldError(e: FieldError): string {
  const v = typeof e.value === "number" ? String(e.value) : JSON.stringify(e.value);
  return `${e.field}: Invalid value: ${v}: ${e.detail}`;
}

/**
 * The controller's validate(): undefined when the spec is fine, else the message of the `InvalidSpec`
 * event (apierrors.NewInvalid wording: one error plain, several in brackets).
 */
export function validateStaticGatewayConfiguration(
  name: string,
  spec: StaticGatewayConfigurationSpec,
): string | undefined {
  const errs: FieldError[] = [];
  const pool = spec.gatewayNodepoolName ?? "";
  const profileEmpty = vmssProfileIsEmpty(spec.gatewayVmssProfile);
  const both = `GatewayNodepoolName: ${pool}, GatewayVmssProfile: ${goProfile(spec.gatewayVmssProfile)}`;
  if (pool === "" && profileEmpty) {
    errs.push({
      field: "spec.gatewaynodepoolname",
      value: both,
      detail: "Either GatewayNodepoolName or GatewayVmssProfile must be provided",
    });
  }
  if (pool !== "" && !profileEmpty) {
    errs.push({
      field: "spec.gatewaynodepoolname",
      value: both,
      detail: "Only one of GatewayNodepoolName and GatewayVmssProfile should be provided",
    });
  }
  if (!profileEmpty) {
    const p = spec.gatewayVmssProfile ?? {};
    if (!p.vmssResourceGroup) {
      errs.push({
        field: "spec.gatewayvmssprofile.vmssresourcegroup",
        value: "",
        detail: "Gateway vmss resource group is empty",
      });
    }
    if (!p.vmssName)
      errs.push({
        field: "spec.gatewayvmssprofile.vmssname",
        value: "",
        detail: "Gateway vmss name is empty",
      });
    const size = p.publicIpPrefixSize ?? 0;
    if (size < 0 || size > 31) {
      errs.push({
        field: "spec.gatewayvmssprofile.publicipprefixsize",
        value: size,
        detail: "Gateway vmss public ip prefix size should be between 0 and 31 inclusively",
      });
    }
  }
  if (spec.provisionPublicIps === false && spec.publicIpPrefixId) {
    errs.push({
      field: "spec.publicipprefixid",
      value: spec.publicIpPrefixId,
      detail: "PublicIpPrefixId should be empty when ProvisionPublicIps is false",
    });
  }
  if (errs.length === 0) return undefined;
  const list = errs.length === 1 ? formatFieldError(errs[0]) : `[${errs.map(formatFieldError).join(", ")}]`;
  return `StaticGatewayConfiguration.${SGC_GROUP} ${JSON.stringify(name)} is invalid: ${list}`;
}

/** A WireGuard key pair (Curve25519), base64 of the raw 32-byte keys as `wg genkey | wg pubkey` print them. */
export function wireguardKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  const priv = privateKey.export({ format: "jwk" }).d;
  const pub = publicKey.export({ format: "jwk" }).x;
  if (!priv || !pub) throw new Error("x25519 key export failed");
  return {
    privateKey: Buffer.from(priv, "base64url").toString("base64"),
    publicKey: Buffer.from(pub, "base64url").toString("base64"),
  };
}

/** Secret holding a configuration's gateway-side key pair: `sgw-<uid>`, keys PrivateKey / PublicKey. */
export function wireguardSecretName(sgcUid: string): string {
  return `sgw-${sgcUid}`;
}

/** The ILB port of a new configuration: lowest in [6000, 7000) unused by the pool's rules; undefined when all 1,000 are. */
export function chooseWireguardPort(usedOnPool: ReadonlySet<number>): number | undefined {
  return lowestFreeInt(WIREGUARD_PORT_START, WIREGUARD_PORT_END - 1, usedOnPool);
}

/** A user's prefix must have exactly the pool's prefix length (the operator's words otherwise). */
export function checkPrefixLength(actual: number, required: number): string | undefined {
  return actual === required
    ? undefined
    : `provided public ip prefix has invalid length(${actual}), required(${required})`;
}

/** Name of the prefix the operator creates when the user brings none: `egressgateway-<VMConfig UID>`. */
export function managedPrefixName(vmConfigUid: string): string {
  return `egressgateway-${vmConfigUid}`;
}

/** Message of the `Reconciling` / `Reconciled` event. */
export function reconcileEvent(status: StaticGatewayConfigurationStatus): {
  reason: "Reconciling" | "Reconciled";
  message: string;
} {
  const prefix = status.egressIpPrefix;
  return prefix
    ? { reason: "Reconciled", message: `StaticGatewayConfiguration provisioned with egress prefix ${prefix}` }
    : {
        reason: "Reconciling",
        message: "StaticGatewayConfiguration provisioned with egress prefix <pending>",
      };
}

/** Why an annotated pod waits in ContainerCreating (the CNI plugin's error, as the kubelet's event shows it). */
export function prefixNotReadyMessage(podSandbox: string): string {
  return `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "${podSandbox}": plugin type="kube-egress-gateway-cni" failed (add): rpc error: code = FailedPrecondition desc = the egress IP prefix is not ready yet.`;
}
