// api-version checks. Resource-provider types answer NoRegisteredProviderFound with their
// supported list; Microsoft.Resources calls answer InvalidApiVersionParameter, as ARM does.
import { invalidApiVersion, missingApiVersion, noRegisteredProvider } from "../../providers/errors.js";

export function requireApiVersion(value: string | undefined): string {
  if (value === undefined || value === "") throw missingApiVersion();
  return value;
}

export function checkProviderApiVersion(
  version: string,
  supported: readonly string[],
  typeName: string,
  location: string,
  locations: readonly string[],
): void {
  if (supported.some((v) => v.toLowerCase() === version.toLowerCase())) return;
  throw noRegisteredProvider(location, version, typeName, supported, locations);
}

export function checkResourcesApiVersion(version: string, supported: readonly string[]): void {
  if (supported.some((v) => v.toLowerCase() === version.toLowerCase())) return;
  throw invalidApiVersion(version, supported);
}
