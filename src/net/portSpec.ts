/**
 * The AKS `--allowed-host-ports` CLI syntax ("80/tcp,443/tcp,40000-60000/tcp") and the single-port variant
 * used by the host-port auto-assignment annotation ("8080/tcp,8443/tcp").
 *
 * Grammar per comma-separated entry: `<port>[-<port>]/<tcp|udp>`, ports 1–65535, start ≤ end, protocol
 * case-insensitive. Whitespace around an entry is tolerated; an empty entry ("80/tcp,,53/udp") is not.
 * A spec that is empty as a whole (after trimming) means "no ports" and parses to [] — the CLI treats an
 * empty value as clearing the list.
 */
import { NetError } from "./cidr.js";

export type PortProtocol = "TCP" | "UDP";

/** Shape of `agentPool.networkProfile.allowedHostPorts[]` in the ARM API. */
export interface PortRange {
  portStart: number;
  portEnd: number;
  protocol: PortProtocol;
}

export interface ContainerPort {
  port: number;
  protocol: PortProtocol;
}

const FORMAT_HINT = "expected <port>[-<port>]/<tcp|udp>, e.g. 80/tcp or 40000-60000/udp";
/** The annotation's grammar has no ranges: its hint does not offer one. */
const SINGLE_HINT = "expected <port>/<tcp|udp>, e.g. 8080/tcp";

function fail(reason: ConstructorParameters<typeof NetError>[0], entry: string, why: string): never {
  throw new NetError(reason, `Invalid port entry '${entry}': ${why}.`, { input: entry });
}

function parsePort(text: string, entry: string, hint = FORMAT_HINT): number {
  if (!/^[0-9]+$/.test(text)) {
    fail("InvalidPortNumber", entry, `'${text}' is not a number; ${hint}`);
  }
  const port = Number(text);
  if (port < 1 || port > 65535) {
    fail("PortOutOfRange", entry, `port ${text} is out of range; ports must be between 1 and 65535`);
  }
  return port;
}

function parseProtocol(text: string, entry: string): PortProtocol {
  const p = text.toUpperCase();
  if (p !== "TCP" && p !== "UDP") {
    fail("InvalidProtocol", entry, `protocol '${text}' is not supported; the protocol must be tcp or udp`);
  }
  return p;
}

function splitEntries(spec: string): string[] {
  if (spec.trim() === "") return [];
  return spec.split(",").map((e) => e.trim());
}

function parseEntry(entry: string, position: number, spec: string, allowRange: boolean): PortRange {
  const hint = allowRange ? FORMAT_HINT : SINGLE_HINT;
  if (entry === "") {
    throw new NetError(
      "EmptyEntry",
      `Invalid port list '${spec}': entry ${position + 1} is empty; ${hint}, separated by commas.`,
      { input: spec },
    );
  }
  const slash = entry.indexOf("/");
  if (slash < 0) fail("MissingProtocol", entry, `the protocol is missing; ${hint}`);
  const portsText = entry.slice(0, slash);
  const protocol = parseProtocol(entry.slice(slash + 1), entry);
  const dash = portsText.indexOf("-");
  if (dash < 0) {
    const port = parsePort(portsText, entry, hint);
    return { portStart: port, portEnd: port, protocol };
  }
  if (!allowRange) {
    fail("RangeNotAllowed", entry, "port ranges are not allowed here; give single ports such as 8080/tcp");
  }
  const portStart = parsePort(portsText.slice(0, dash), entry);
  const portEnd = parsePort(portsText.slice(dash + 1), entry);
  if (portStart > portEnd) {
    fail(
      "InvalidPortRange",
      entry,
      `the start port ${portStart} must be less than or equal to the end port ${portEnd}`,
    );
  }
  return { portStart, portEnd, protocol };
}

/**
 * Parses `--allowed-host-ports`. Order is preserved and overlapping or duplicate ranges are kept (the ARM
 * API allows them). Throws {@link NetError} naming the bad entry and the rule it breaks.
 */
export function parsePortSpec(spec: string): PortRange[] {
  return splitEntries(spec).map((e, i) => parseEntry(e, i, spec, true));
}

/** Inverse of {@link parsePortSpec}: "80/tcp,40000-60000/udp" (single ports without a range). */
export function formatPortSpec(ranges: readonly PortRange[]): string {
  return ranges
    .map((r) => {
      const ports = r.portStart === r.portEnd ? `${r.portStart}` : `${r.portStart}-${r.portEnd}`;
      return `${ports}/${r.protocol.toLowerCase()}`;
    })
    .join(",");
}

/**
 * Parses the container-port list of the host-port auto-assignment annotation ("8080/tcp,8443/tcp"):
 * same syntax as {@link parsePortSpec} but single ports only.
 */
export function parseContainerPortSpec(spec: string): ContainerPort[] {
  return splitEntries(spec).map((e, i) => {
    const r = parseEntry(e, i, spec, false);
    return { port: r.portStart, protocol: r.protocol };
  });
}
