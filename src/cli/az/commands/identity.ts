// az identity create|show|list|delete (Microsoft.ManagedIdentity/userAssignedIdentities).

import { API } from "../common.js";
import type { ResourceKind } from "../resource.js";
import { createCommand, deleteCommand, listCommand, showCommand } from "../resource.js";
import type { CommandTable } from "../types.js";

const identity: ResourceKind = {
  namespace: "Microsoft.ManagedIdentity",
  types: ["userAssignedIdentities"],
  apiVersion: API.msi,
  style: "sdk",
  label: "managed identity",
  listBySubscription: true,
};

export const COMMANDS: CommandTable = {
  "identity create": createCommand(identity, {
    summary: "Create Identities.",
    nameHelp: "Identity resource name.",
    examples: [
      {
        title: "Create an identity.",
        command: "az identity create --name MyIdentity --resource-group MyResourceGroup",
      },
    ],
    plainPut: true,
  }),
  "identity show": showCommand(identity, "Show the details of an identity."),
  "identity list": listCommand(identity, "List Identities."),
  "identity delete": deleteCommand(identity, { noWait: false, summary: "Delete an identity." }),
};
