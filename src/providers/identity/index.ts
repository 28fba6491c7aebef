// Microsoft.ManagedIdentity handlers.
import type { ResourceTypeHandler } from "../registry.js";
import { userAssignedIdentities } from "./userAssignedIdentities.js";

export const identityHandlers: ResourceTypeHandler[] = [userAssignedIdentities];
