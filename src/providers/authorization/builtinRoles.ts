// Built-in Azure role definitions the AKS documents rely on, with their real, well-known ids
// and permissions (as `az role definition list --name …` prints them).

export interface Permission {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

export interface RoleDefinitionData {
  guid: string;
  roleName: string;
  description: string;
  type: "BuiltInRole" | "CustomRole";
  permissions: Permission[];
  assignableScopes: string[];
  createdOn: string;
  updatedOn: string;
}

const perm = (actions: string[], notActions: string[] = []): Permission[] => [
  { actions, notActions, dataActions: [], notDataActions: [] },
];

export const NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7";
export const CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c";
export const OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
export const READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

export const BUILTIN_ROLES: readonly RoleDefinitionData[] = [
  {
    guid: OWNER,
    roleName: "Owner",
    description:
      "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
    type: "BuiltInRole",
    permissions: perm(["*"]),
    assignableScopes: ["/"],
    createdOn: "2015-02-02T21:55:09.8806423Z",
    updatedOn: "2021-11-11T20:13:45.8978856Z",
  },
  {
    guid: CONTRIBUTOR,
    roleName: "Contributor",
    description:
      "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
    type: "BuiltInRole",
    permissions: perm(
      ["*"],
      [
        "Microsoft.Authorization/*/Delete",
        "Microsoft.Authorization/*/Write",
        "Microsoft.Authorization/elevateAccess/Action",
        "Microsoft.Blueprint/blueprintAssignments/write",
        "Microsoft.Blueprint/blueprintAssignments/delete",
        "Microsoft.Compute/galleries/share/action",
        "Microsoft.Purview/consents/write",
        "Microsoft.Purview/consents/delete",
        "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
        "Microsoft.Subscription/cancel/action",
        "Microsoft.Subscription/enable/action",
      ],
    ),
    assignableScopes: ["/"],
    createdOn: "2015-02-02T21:55:09.8806423Z",
    updatedOn: "2024-04-25T16:09:08.9127032Z",
  },
  {
    guid: READER,
    roleName: "Reader",
    description: "View all resources, but does not allow you to make any changes.",
    type: "BuiltInRole",
    permissions: perm(["*/read"]),
    assignableScopes: ["/"],
    createdOn: "2015-02-02T21:55:09.8806423Z",
    updatedOn: "2021-11-11T20:13:47.8628684Z",
  },
  {
    guid: NETWORK_CONTRIBUTOR,
    roleName: "Network Contributor",
    description: "Lets you manage networks, but not access to them.",
    type: "BuiltInRole",
    permissions: perm([
      "Microsoft.Authorization/*/read",
      "Microsoft.Insights/alertRules/*",
      "Microsoft.Network/*",
      "Microsoft.ResourceHealth/availabilityStatuses/read",
      "Microsoft.Resources/deployments/*",
      "Microsoft.Resources/subscriptions/resourceGroups/read",
      "Microsoft.Support/*",
    ]),
    assignableScopes: ["/"],
    createdOn: "2015-06-02T00:18:27.3542698Z",
    updatedOn: "2021-11-11T20:13:44.3850945Z",
  },
  {
    guid: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    roleName: "User Access Administrator",
    description: "Lets you manage user access to Azure resources.",
    type: "BuiltInRole",
    permissions: perm(["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"]),
    assignableScopes: ["/"],
    createdOn: "2015-02-02T21:55:09.8806423Z",
    updatedOn: "2021-11-11T20:13:48.1000000Z",
  },
  {
    guid: "f1a07417-d97a-45cb-824c-7a7467783830",
    roleName: "Managed Identity Operator",
    description: "Read and Assign User Assigned Identity",
    type: "BuiltInRole",
    permissions: perm([
      "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
      "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
      "Microsoft.Authorization/*/read",
      "Microsoft.Insights/alertRules/*",
      "Microsoft.Resources/subscriptions/resourceGroups/read",
      "Microsoft.Resources/deployments/*",
      "Microsoft.Support/*",
    ]),
    assignableScopes: ["/"],
    createdOn: "2017-12-14T19:52:04.3924594Z",
    updatedOn: "2021-11-11T20:13:38.9000000Z",
  },
];

export function builtinRole(guid: string): RoleDefinitionData | undefined {
  return BUILTIN_ROLES.find((r) => r.guid.toLowerCase() === guid.toLowerCase());
}
