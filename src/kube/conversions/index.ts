// Which built-in kinds are served in more than one version, and how each served version
// converts to and from the stored one. One entry per `<group>/<version>/<kind>` that a
// KindSpec marks with `storageVersion`; objects are always stored in that version.
import { hpaV1ToV2, hpaV2ToV1 } from "./horizontalPodAutoscaler.js";

type Obj = Record<string, unknown>;

export interface Conversion {
  /** A served object of the storage version → this version. */
  fromStorage(o: Obj): Obj;
  /** An object in this version (possibly partial) → the storage version. */
  toStorage(o: Obj): Obj;
}

const CONVERSIONS: Record<string, Conversion> = {
  "autoscaling/v1/HorizontalPodAutoscaler": { fromStorage: hpaV2ToV1, toStorage: hpaV1ToV2 },
};

export function conversionFor(k: { group: string; version: string; kind: string }): Conversion | undefined {
  return CONVERSIONS[`${k.group}/${k.version}/${k.kind}`];
}

/** `o` in its storage version's shape, whichever served version it is in (tables read that shape). */
export function inStorageShape(o: Obj): Obj {
  const gv = typeof o.apiVersion === "string" ? o.apiVersion : "";
  const c = CONVERSIONS[`${gv.includes("/") ? gv : `/${gv}`}/${String(o.kind)}`];
  return c ? c.toStorage(o) : o;
}
