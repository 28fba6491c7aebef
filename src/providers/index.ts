// Every resource type the emulator serves, in one registry. A new resource type is one
// handler file in its provider folder plus one line here.
import { networkHandlers } from "./network/index.js";
import { Registry } from "./registry.js";
import { allFeatures, features } from "./resources/features.js";
import { resourceGroups } from "./resources/resourceGroups.js";

export function createRegistry(): Registry {
  const registry = new Registry().add(resourceGroups, features, allFeatures);
  registry.add(...networkHandlers);
  return registry;
}
