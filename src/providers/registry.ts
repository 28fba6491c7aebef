// The contract between the server's ARM router and the resource providers. A provider
// implements one ResourceTypeHandler per resource type (one file each) and the router
// finds it by full type. Handlers run inside a store transaction (ctx.tx) and return
// plain outcomes; the router turns them into status codes and LRO headers.
import type { OperationRecord } from "../store/types.js";
import type { ArmContext, Preconditions } from "./context.js";
import { buildId, type CollectionRef, type ResourceRef } from "./ids.js";
import { checkLinkedAccess } from "./linkedAccess.js";
import { withoutWriteOnly } from "./writeOnly.js";

export type Wire = Record<string, unknown>;

export interface PutOutcome {
  created: boolean;
  body: Wire;
  /** Set when the PUT is a long-running operation (Azure-AsyncOperation header). */
  operation?: OperationRecord;
}

export interface DeleteOutcome {
  /** False → 204 No Content. */
  existed: boolean;
  /** Long-running delete → 202 with Location + Azure-AsyncOperation; otherwise 200. */
  operation?: OperationRecord;
}

export interface ActionOutcome {
  status: 200 | 201 | 202 | 204;
  body?: unknown;
  operation?: OperationRecord;
}

export type Action = (ctx: ArmContext, ref: ResourceRef, body: unknown) => Promise<ActionOutcome>;

export interface ResourceTypeHandler {
  /** Full type, e.g. `Microsoft.Network/virtualNetworks/subnets`. */
  readonly type: string;
  readonly apiVersions: readonly string[];
  /** Where instances live; the router rejects other scopes with 404/400. */
  readonly scope: "resourceGroup" | "subscription";
  /** Whether the subscription must have registered the namespace first. Default true. */
  readonly requiresRegistration?: boolean;
  get?(ctx: ArmContext, ref: ResourceRef): Promise<Wire>;
  head?(ctx: ArmContext, ref: ResourceRef): Promise<boolean>;
  list?(ctx: ArmContext, coll: CollectionRef): Promise<Wire[]>;
  put?(ctx: ArmContext, ref: ResourceRef, body: unknown, pre: Preconditions): Promise<PutOutcome>;
  patch?(ctx: ArmContext, ref: ResourceRef, body: unknown, pre: Preconditions): Promise<PutOutcome>;
  delete?(ctx: ArmContext, ref: ResourceRef, pre: Preconditions): Promise<DeleteOutcome>;
  /** POST actions on an instance, keyed by lower-cased action name (e.g. `listclusterusercredential`). */
  actions?: Record<string, Action>;
  /** GET actions on an instance (e.g. a VNet's `checkIPAddressAvailability`, `usages`), keyed like `actions`. */
  readActions?: Record<string, (ctx: ArmContext, ref: ResourceRef) => Promise<unknown>>;
  /**
   * Synchronous, complete removal used by cascades (resource-group delete) and by
   * long-running delete workers: releases everything the resource holds. Throws when the
   * resource is in use by something that is not being removed with it.
   */
  purge?(ctx: ArmContext, ref: ResourceRef): Promise<void>;
  /** Cascades remove lower numbers first (clusters before NICs before subnets before VNets). */
  readonly cascadeOrder?: number;
}

export class Registry {
  private readonly handlers = new Map<string, ResourceTypeHandler>();
  private readonly namespaces = new Map<string, string>();

  add(...handlers: ResourceTypeHandler[]): this {
    for (const h of handlers) {
      this.handlers.set(h.type.toLowerCase(), guarded(h));
      const ns = h.type.split("/")[0];
      this.namespaces.set(ns.toLowerCase(), ns);
    }
    return this;
  }

  find(type: string): ResourceTypeHandler | undefined {
    return this.handlers.get(type.toLowerCase());
  }

  /** The namespace with its canonical casing, if any handler serves it. */
  namespace(ns: string): string | undefined {
    return this.namespaces.get(ns.toLowerCase());
  }

  all(): ResourceTypeHandler[] {
    return [...this.handlers.values()];
  }
}

/**
 * What holds for every resource type, applied once here rather than in each handler: a
 * write's body may only link to resources the caller can read (linkedAccess.ts), and no
 * response carries a write-only field (writeOnly.ts).
 */
function guarded(h: ResourceTypeHandler): ResourceTypeHandler {
  const strip = (body: Wire) => withoutWriteOnly(h.type, body);
  const write = `${h.type}/write`;
  const { get, list, put, patch, actions } = h;
  return {
    ...h,
    ...(get ? { get: async (ctx, ref) => strip(await get(ctx, ref)) } : {}),
    ...(list ? { list: async (ctx, coll) => (await list(ctx, coll)).map(strip) } : {}),
    ...(put
      ? {
          put: async (ctx, ref, body, pre) => {
            checkLinkedAccess(ctx, buildId(ref), write, body);
            const out = await put(ctx, ref, body, pre);
            return { ...out, body: strip(out.body) };
          },
        }
      : {}),
    ...(patch
      ? {
          patch: async (ctx, ref, body, pre) => {
            checkLinkedAccess(ctx, buildId(ref), write, body);
            const out = await patch(ctx, ref, body, pre);
            return { ...out, body: strip(out.body) };
          },
        }
      : {}),
    ...(actions
      ? {
          actions: Object.fromEntries(
            Object.entries(actions).map(([name, run]): [string, Action] => [
              name,
              async (ctx, ref, body) => {
                checkLinkedAccess(ctx, buildId(ref), `${h.type}/${name}/action`, body);
                return run(ctx, ref, body);
              },
            ]),
          ),
        }
      : {}),
  };
}
