// Every resource type the emulator serves, in one registry. A new resource type is one
// handler file in its provider folder plus one line here.
import { Registry } from "./registry.js";
import { allFeatures, features } from "./resources/features.js";
import { resourceGroups } from "./resources/resourceGroups.js";

export function createRegistry(): Registry {
  return new Registry().add(resourceGroups, features, allFeatures);
}
