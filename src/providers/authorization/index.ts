// Microsoft.Authorization handlers.
import type { ResourceTypeHandler } from "../registry.js";
import { roleAssignments } from "./roleAssignments.js";
import { roleDefinitions } from "./roleDefinitions.js";

export const authorizationHandlers: ResourceTypeHandler[] = [roleDefinitions, roleAssignments];
