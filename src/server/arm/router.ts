// The ARM face: turns one authenticated request into a call on a resource-type handler
// inside a store transaction, and the handler's outcome (or typed error) into ARM's wire
// protocol: status codes, LRO headers, ETags, paging. Framework-neutral: app.ts adapts it.
import type { ArmContext, EmulatorSettings, Preconditions, Services } from "../../providers/context.js";
import {
  ArmError,
  bothPreconditions,
  invalidIfNoneMatch,
  invalidResourceType,
  invalidSubscriptionId,
  invalidTokenTenant,
  methodNotAllowed,
  missingSubscriptionRegistration,
  notFoundPath,
  operationNotFound,
  subscriptionNotFound,
} from "../../providers/errors.js";
import { fullType } from "../../providers/ids.js";
import type { ActionOutcome, Registry, ResourceTypeHandler, Wire } from "../../providers/registry.js";
import {
  GROUP_FIELDS,
  listGenericResources,
  matches,
  parseFilter,
} from "../../providers/resources/genericResources.js";
import { providerRegistrations, registrationState } from "../../providers/resources/providerRegistrations.js";
import { RESOURCE_GROUP_API_VERSIONS } from "../../providers/resources/resourceGroups.js";
import type { OperationRecord, Tx } from "../../store/types.js";
import { checkProviderApiVersion, checkResourcesApiVersion, requireApiVersion } from "./apiVersions.js";
import { type ArmRoute, classify, splitPath } from "./paths.js";

export interface ArmRequest {
  method: string;
  /** Path without query, already free of duplicate slashes. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  body: unknown;
  /** Tenant of the caller's token (auth has already been checked). */
  tenantId: string;
  /** The configured public address (`https://host:port`), for absolute operation URLs and nextLinks. */
  baseUrl: string;
}

export interface ArmResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const SUBSCRIPTION_API_VERSIONS = [
  "2022-12-01",
  "2021-01-01",
  "2020-01-01",
  "2019-11-01",
  "2019-06-01",
  "2016-06-01",
];
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A request's context: the api-version is always known. */
type RequestContext = ArmContext & { apiVersion: string };

export class ArmRouter {
  constructor(
    private readonly registry: Registry,
    private readonly settings: EmulatorSettings,
    private readonly services: Services,
  ) {}

  async handle(req: ArmRequest): Promise<ArmResponse> {
    const route = classify(splitPath(req.path), this.registry);
    const apiVersion = requireApiVersion(req.query["api-version"]);
    switch (route.kind) {
      case "unknown":
        throw notFoundPath(req.path);
      case "tenants":
        checkResourcesApiVersion(apiVersion, SUBSCRIPTION_API_VERSIONS);
        // Only the caller's own tenant: another tenant's id is not the caller's to learn.
        return ok({
          value: [req.tenantId].map((t) => ({
            id: `/tenants/${t}`,
            tenantId: t,
            tenantCategory: "Home",
            displayName: "aksnet",
          })),
        });
      case "subscriptions":
        checkResourcesApiVersion(apiVersion, SUBSCRIPTION_API_VERSIONS);
        return ok({
          value: this.settings.subscriptions
            .filter((s) => s.tenantId.toLowerCase() === req.tenantId.toLowerCase())
            .map(subscriptionWire),
        });
      case "subscription": {
        checkResourcesApiVersion(apiVersion, SUBSCRIPTION_API_VERSIONS);
        return ok(subscriptionWire(this.subscription(route.subscriptionId, req.tenantId)));
      }
      default:
        break;
    }
    const routeSub =
      route.kind === "item"
        ? route.ref.subscriptionId
        : route.kind === "collection"
          ? route.coll.subscriptionId
          : route.kind === "action"
            ? route.ref.subscriptionId
            : route.subscriptionId;
    const subscriptionId = this.subscription(routeSub, req.tenantId).subscriptionId;
    const pre = preconditions(req.headers);
    const readOnly = req.method === "GET" || req.method === "HEAD";
    const run = readOnly
      ? this.services.store.read.bind(this.services.store)
      : this.services.store.transaction.bind(this.services.store);
    return run(async (tx) => {
      const ctx = this.context(tx, subscriptionId, req, apiVersion);
      return this.dispatch(route, ctx, req, pre);
    });
  }

  private subscription(id: string, tenantId: string) {
    if (!GUID_RE.test(id)) throw invalidSubscriptionId(id);
    const sub = this.settings.subscriptions.find((s) => s.subscriptionId.toLowerCase() === id.toLowerCase());
    if (!sub) throw subscriptionNotFound(id);
    if (sub.tenantId.toLowerCase() !== tenantId.toLowerCase())
      throw invalidTokenTenant(tenantId, sub.tenantId);
    return sub;
  }

  private context(tx: Tx, subscriptionId: string, req: ArmRequest, apiVersion: string): RequestContext {
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.query)) if (k !== "api-version") query[k] = v;
    return {
      tx,
      subscriptionId,
      tenantId: req.tenantId,
      apiVersion,
      query,
      settings: this.settings,
      services: this.services,
      now: new Date(),
    };
  }

  private async dispatch(
    route: ArmRoute,
    ctx: RequestContext,
    req: ArmRequest,
    pre: Preconditions,
  ): Promise<ArmResponse> {
    const m = req.method.toUpperCase();
    switch (route.kind) {
      case "providers":
        checkResourcesApiVersion(ctx.apiVersion, RESOURCE_GROUP_API_VERSIONS);
        if (m !== "GET") throw methodNotAllowed(m, req.path);
        return this.page(req, await providerRegistrations.list(ctx, this.registry));
      case "provider": {
        checkResourcesApiVersion(ctx.apiVersion, RESOURCE_GROUP_API_VERSIONS);
        if (route.action) {
          if (m !== "POST") throw methodNotAllowed(m, req.path);
          const fn =
            route.action === "register" ? providerRegistrations.register : providerRegistrations.unregister;
          return ok(await fn(ctx, this.registry, route.namespace));
        }
        if (m !== "GET") throw methodNotAllowed(m, req.path);
        return ok(await providerRegistrations.get(ctx, this.registry, route.namespace));
      }
      case "operation":
        return this.operation(ctx, req, route.operationId, route.flavour);
      case "resourceGroups": {
        const h = this.handler("Microsoft.Resources/resourceGroups");
        checkResourcesApiVersion(ctx.apiVersion, h.apiVersions);
        if (m !== "GET") throw methodNotAllowed(m, req.path);
        const coll = {
          subscriptionId: ctx.subscriptionId,
          namespace: "Microsoft.Resources",
          types: ["resourceGroups"],
          names: [],
        };
        const clauses = parseFilter(ctx.query.$filter, GROUP_FIELDS);
        return this.page(
          req,
          (await h.list!(ctx, coll)).filter((g) => matches(g, clauses)),
        );
      }
      case "resources": {
        checkResourcesApiVersion(ctx.apiVersion, RESOURCE_GROUP_API_VERSIONS);
        if (m !== "GET") throw methodNotAllowed(m, req.path);
        return this.page(req, await listGenericResources(ctx, route.resourceGroup));
      }
      case "item":
        return this.item(route.ref, ctx, req, pre);
      case "collection": {
        const type = fullType(route.coll);
        const h = await this.prepare(type, ctx, req);
        if (m === "GET" && h.list) return this.page(req, await h.list(ctx, route.coll));
        throw methodNotAllowed(m, req.path);
      }
      case "action": {
        const h = await this.prepare(fullType(route.ref), ctx, req);
        const read = h.readActions?.[route.action];
        if (read && m === "GET") return ok(await read(ctx, route.ref));
        const action = h.actions?.[route.action];
        if (!action) throw notFoundPath(req.path);
        if (m !== "POST") throw methodNotAllowed(m, req.path);
        return this.actionResponse(ctx, req, await action(ctx, route.ref, req.body));
      }
      default:
        throw notFoundPath(req.path);
    }
  }

  private handler(type: string): ResourceTypeHandler {
    const h = this.registry.find(type);
    if (!h) {
      const [ns, ...rest] = type.split("/");
      throw invalidResourceType(ns, rest.join("/"));
    }
    return h;
  }

  /** Finds the handler, checks the api-version and the namespace registration. */
  private async prepare(type: string, ctx: RequestContext, req: ArmRequest): Promise<ResourceTypeHandler> {
    const h = this.handler(type);
    const location =
      typeof (req.body as { location?: unknown })?.location === "string"
        ? String((req.body as { location: string }).location)
        : this.settings.locations[0];
    if (h.type === "Microsoft.Resources/resourceGroups")
      checkResourcesApiVersion(ctx.apiVersion, h.apiVersions);
    else
      checkProviderApiVersion(
        ctx.apiVersion,
        h.apiVersions,
        h.type.split("/").slice(1).join("/"),
        location,
        this.settings.locations,
      );
    if (h.requiresRegistration !== false) {
      const ns = h.type.split("/")[0];
      const state = await registrationState(ctx, ns);
      if (state !== "Registered") throw missingSubscriptionRegistration(ns);
    }
    return h;
  }

  private async item(
    ref: ArmRoute & { kind: "item" } extends { ref: infer R } ? R : never,
    ctx: RequestContext,
    req: ArmRequest,
    pre: Preconditions,
  ): Promise<ArmResponse> {
    const h = await this.prepare(fullType(ref), ctx, req);
    if (h.scope === "resourceGroup" && !ref.resourceGroup && !ref.scope) throw notFoundPath(req.path);
    const m = req.method.toUpperCase();
    switch (m) {
      case "GET": {
        if (!h.get) throw methodNotAllowed(m, req.path);
        const body = await h.get(ctx, ref);
        return { status: 200, headers: etagHeader(body), body };
      }
      case "HEAD": {
        if (h.head) return { status: (await h.head(ctx, ref)) ? 204 : 404, headers: {} };
        if (!h.get) throw methodNotAllowed(m, req.path);
        // Resources_CheckExistence(ById) answers 204 or 404, never 200.
        await h.get(ctx, ref);
        return { status: 204, headers: {} };
      }
      case "PUT": {
        if (!h.put) throw methodNotAllowed(m, req.path);
        const out = await h.put(ctx, ref, req.body, pre);
        const headers = {
          ...etagHeader(out.body),
          ...(out.operation ? this.asyncHeaders(req, out.operation, false) : {}),
        };
        return { status: out.created ? 201 : 200, headers, body: out.body };
      }
      case "PATCH": {
        if (!h.patch) throw methodNotAllowed(m, req.path);
        const out = await h.patch(ctx, ref, req.body, pre);
        if (out.operation && out.operation.status === "InProgress") {
          return { status: 202, headers: this.asyncHeaders(req, out.operation, true) };
        }
        return { status: 200, headers: etagHeader(out.body), body: out.body };
      }
      case "DELETE": {
        if (!h.delete) throw methodNotAllowed(m, req.path);
        const out = await h.delete(ctx, ref, pre);
        if (!out.existed) return { status: 204, headers: {} };
        if (out.operation) return { status: 202, headers: this.asyncHeaders(req, out.operation, true) };
        return { status: 200, headers: {} };
      }
      default:
        throw methodNotAllowed(m, req.path);
    }
  }

  private actionResponse(_ctx: RequestContext, req: ArmRequest, out: ActionOutcome): ArmResponse {
    const headers = out.operation ? this.asyncHeaders(req, out.operation, true) : {};
    return { status: out.status, headers, body: out.body };
  }

  private opUrl(req: ArmRequest, op: OperationRecord, flavour: "operations" | "operationresults"): string {
    const v = req.query["api-version"];
    return `${req.baseUrl}/subscriptions/${op.subscriptionId}/providers/${op.namespace}/locations/${op.location}/${flavour}/${op.id}?api-version=${encodeURIComponent(v)}`;
  }

  private asyncHeaders(req: ArmRequest, op: OperationRecord, withLocation: boolean): Record<string, string> {
    const h: Record<string, string> = {
      "Azure-AsyncOperation": this.opUrl(req, op, "operations"),
      "Retry-After": "0",
    };
    if (withLocation) h.Location = this.opUrl(req, op, "operationresults");
    return h;
  }

  private async operation(
    ctx: RequestContext,
    req: ArmRequest,
    id: string,
    flavour: "status" | "result",
  ): Promise<ArmResponse> {
    if (req.method.toUpperCase() !== "GET") throw methodNotAllowed(req.method, req.path);
    const op = await ctx.tx.getOperation(id);
    if (!op || op.subscriptionId.toLowerCase() !== ctx.subscriptionId.toLowerCase())
      throw operationNotFound(id);
    if (flavour === "status") {
      const body: Wire = {
        id: this.opUrl(req, op, "operations").replace(req.baseUrl, "").replace(/\?.*$/, ""),
        name: op.id,
        status: op.status,
        startTime: op.startTime,
        ...(op.endTime ? { endTime: op.endTime } : {}),
        percentComplete: op.status === "InProgress" ? 0 : 100,
        ...(op.error
          ? { error: { code: op.error.code, message: op.error.message, target: op.error.target } }
          : {}),
      };
      return { status: 200, headers: op.status === "InProgress" ? { "Retry-After": "0" } : {}, body };
    }
    if (op.status === "InProgress") return { status: 202, headers: this.asyncHeaders(req, op, true) };
    if (op.status === "Failed" && op.error) {
      throw new ArmError(op.error.status ?? 400, op.error.code, op.error.message, op.error.target);
    }
    if (op.resultBody !== undefined) return ok(op.resultBody);
    // A finished PUT answers with the resource (while it exists); a finished DELETE with nothing.
    if (op.result !== "empty") {
      const target = await ctx.tx.getResource(op.target);
      if (target) return ok(target.body);
    }
    return { status: op.resultStatus ?? 200, headers: {} };
  }

  private page(req: ArmRequest, items: Wire[]): ArmResponse {
    const size = Math.max(1, Number(req.query.$top) || this.settings.pageSize);
    const skip = Math.max(0, Number(req.query.$skiptoken ?? 0) || 0);
    const value = items.slice(skip, skip + size);
    const body: { value: Wire[]; nextLink?: string } = { value };
    if (skip + size < items.length) {
      const q = new URLSearchParams({ ...req.query, $skiptoken: String(skip + size) });
      body.nextLink = `${req.baseUrl}${req.path}?${q.toString()}`;
    }
    return ok(body);
  }
}

function ok(body: unknown): ArmResponse {
  return { status: 200, headers: {}, body };
}

function etagHeader(body: Wire): Record<string, string> {
  const etag = body.etag ?? body.eTag ?? (body.properties as { eTag?: unknown } | undefined)?.eTag;
  return typeof etag === "string" ? { ETag: etag } : {};
}

function preconditions(headers: Record<string, string | undefined>): Preconditions {
  const ifMatch = headers["if-match"];
  const ifNoneMatch = headers["if-none-match"];
  if (ifMatch && ifNoneMatch) throw bothPreconditions();
  if (ifNoneMatch && ifNoneMatch.trim() !== "*") throw invalidIfNoneMatch(ifNoneMatch);
  return { ifMatch: ifMatch?.trim() || undefined, ifNoneMatch: ifNoneMatch?.trim() || undefined };
}

function subscriptionWire(s: { subscriptionId: string; tenantId: string; displayName: string }) {
  return {
    id: `/subscriptions/${s.subscriptionId}`,
    subscriptionId: s.subscriptionId,
    tenantId: s.tenantId,
    displayName: s.displayName,
    state: "Enabled",
    subscriptionPolicies: {
      locationPlacementId: "Public_2014-09-01",
      quotaId: "PayAsYouGo_2014-09-01",
      spendingLimit: "Off",
    },
    authorizationSource: "RoleBased",
    managedByTenants: [],
  };
}
