// Every resource type the emulator serves, in one registry. A new resource type is one
// handler file in its provider folder plus one line here.
import { authorizationHandlers } from "./authorization/index.js";
import { computeHandlers } from "./compute/index.js";
import { containerServiceHandlers } from "./containerservice/index.js";
import { identityHandlers } from "./identity/index.js";
import { networkHandlers } from "./network/index.js";
import { Registry } from "./registry.js";
import {
  allFeatures,
  allSubscriptionFeatureRegistrations,
  features,
  subscriptionFeatureRegistrations,
} from "./resources/features.js";
import { resourceGroups } from "./resources/resourceGroups.js";

export function createRegistry(): Registry {
  const registry = new Registry().add(
    resourceGroups,
    features,
    allFeatures,
    subscriptionFeatureRegistrations,
    allSubscriptionFeatureRegistrations,
  );
  registry.add(...networkHandlers);
  registry.add(
    ...identityHandlers,
    ...authorizationHandlers,
    ...computeHandlers,
    ...containerServiceHandlers,
  );
  return registry;
}
