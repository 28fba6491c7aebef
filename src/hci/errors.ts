// The HCI face's error catalogue. The AksHci module throws terminating errors whose text is
// all a user sees; we give each a stable id (PowerShell's FullyQualifiedErrorId), a
// PowerShell ErrorCategory and the HTTP status our face answers with. The server turns them
// into `{error:{code,message,category,target}}`; `aksnet hci` prints them as PowerShell does.

export type HciCategory =
  | "InvalidArgument"
  | "InvalidData"
  | "ObjectNotFound"
  | "ResourceExists"
  | "ResourceBusy"
  | "InvalidOperation"
  | "LimitsExceeded"
  | "NotInstalled"
  | "AuthenticationError";

const STATUS: Record<HciCategory, number> = {
  InvalidArgument: 400,
  InvalidData: 400,
  ObjectNotFound: 404,
  ResourceExists: 409,
  ResourceBusy: 409,
  InvalidOperation: 409,
  LimitsExceeded: 409,
  NotInstalled: 409,
  AuthenticationError: 401,
};

export class HciError extends Error {
  readonly status: number;
  constructor(
    readonly category: HciCategory,
    /** Stable id, e.g. `OutOfCapacity`; the CLI prints `<id>,<cmdlet>` as FullyQualifiedErrorId. */
    readonly code: string,
    message: string,
    /** The parameter or object the error is about. */
    readonly target?: string,
  ) {
    super(message);
    this.name = "HciError";
    this.status = STATUS[category];
  }

  toBody(): { error: { code: string; message: string; category: HciCategory; target?: string } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        category: this.category,
        ...(this.target ? { target: this.target } : {}),
      },
    };
  }
}

export const invalidValue = (param: string, message: string) =>
  new HciError("InvalidArgument", "InvalidParameterValue", message, param);

export const notInstalled = () =>
  new HciError(
    "NotInstalled",
    "AksHciNotInstalled",
    "AksHci is not installed or the management cluster is not running. Run Set-AksHciConfig and Install-AksHci first.",
  );

export const alreadyInstalled = () =>
  new HciError(
    "InvalidOperation",
    "AksHciAlreadyInstalled",
    "AksHci is already installed. The host's network configuration cannot be changed after deployment; uninstall first (only -emulateKnownIssues may be set on its own).",
  );

export const notConfigured = () =>
  new HciError(
    "InvalidOperation",
    "AksHciNotConfigured",
    "No configuration found. Run Set-AksHciConfig -vnet (New-AksHciNetworkSetting …) before Install-AksHci.",
  );

export const networkNotFound = (name: string) =>
  new HciError(
    "ObjectNotFound",
    "NetworkNotFound",
    `A cluster network with the name '${name}' was not found.`,
    name,
  );

export const networkExists = (name: string) =>
  new HciError(
    "ResourceExists",
    "NetworkAlreadyExists",
    `A network with the name '${name}' already exists. Already Exists.`,
    name,
  );

export const networkInUse = (name: string, users: string[]) =>
  new HciError(
    "ResourceBusy",
    "NetworkInUse",
    `The cluster network '${name}' cannot be removed: it is In Use by ${users.join(", ")}. Remove ${users.length === 1 ? "it" : "them"} first.`,
    name,
  );

export const clusterNotFound = (name: string) =>
  new HciError(
    "ObjectNotFound",
    "ClusterNotFound",
    `A workload cluster with the name '${name}' was not found.`,
    name,
  );

export const clusterExists = (name: string) =>
  new HciError(
    "ResourceExists",
    "ClusterAlreadyExists",
    `A workload cluster with the name '${name}' already exists. Already Exists.`,
    name,
  );

export const nodePoolNotFound = (cluster: string, name: string) =>
  new HciError(
    "ObjectNotFound",
    "NodePoolNotFound",
    `A node pool with the name '${name}' was not found in cluster '${cluster}'.`,
    name,
  );

export const nodePoolExists = (cluster: string, name: string) =>
  new HciError(
    "ResourceExists",
    "NodePoolAlreadyExists",
    `A node pool with the name '${name}' already exists in cluster '${cluster}'. Node pool names must be unique.`,
    name,
  );

export const immutable = (param: string, what: string) =>
  new HciError(
    "InvalidOperation",
    "ImmutableParameter",
    `${what} cannot be changed after the cluster is deployed.`,
    param,
  );

/** A pool that cannot hold what is asked: says how many addresses are needed and how many are free. */
export const outOfCapacity = (what: string, pool: string, needed: number, free: number) =>
  new HciError(
    "LimitsExceeded",
    "OutOfCapacity",
    `${what} needs ${needed} ${needed === 1 ? "address" : "addresses"} from the ${pool}, but only ${free} ${free === 1 ? "is" : "are"} free. The pool is full (OutOfCapacity); nothing was created.`,
    pool,
  );
