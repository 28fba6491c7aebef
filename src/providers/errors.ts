// The ARM error catalogue. Semantics throw these; only the server layer turns them into
// HTTP (`{error:{code,message,target,details}}`). Codes are Azure's where they are known;
// where Azure's are not public the code is ours, consistent, and listed in docs/errors.md.

export interface ArmErrorDetail {
  code: string;
  message: string;
  target?: string;
}

export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
    readonly details?: ArmErrorDetail[],
    /** Extra response headers (e.g. WWW-Authenticate on 401). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "ArmError";
  }

  toBody(): { error: ArmErrorDetail & { details?: ArmErrorDetail[] } } {
    const error: ArmErrorDetail & { details?: ArmErrorDetail[] } = { code: this.code, message: this.message };
    if (this.target !== undefined) error.target = this.target;
    if (this.details?.length) error.details = this.details;
    return { error };
  }
}

// ---- protocol -------------------------------------------------------------------------

export const missingApiVersion = () =>
  new ArmError(
    400,
    "MissingApiVersionParameter",
    "The api-version query parameter (?api-version=) is required for all requests.",
  );

export const invalidApiVersion = (version: string, supported: readonly string[]) =>
  new ArmError(
    400,
    "InvalidApiVersionParameter",
    `The api-version '${version}' is invalid. The supported versions are '${supported.join(",")}'.`,
  );

export const noRegisteredProvider = (
  location: string,
  version: string,
  type: string,
  supported: readonly string[],
  locations: readonly string[],
) =>
  new ArmError(
    400,
    "NoRegisteredProviderFound",
    `No registered resource provider found for location '${location}' and API version '${version}' for type '${type}'. ` +
      `The supported api-versions are '${supported.join(", ")}'. The supported locations are '${locations.join(", ")}'.`,
  );

export const invalidResourceType = (namespace: string, type: string) =>
  new ArmError(
    400,
    "InvalidResourceType",
    `The resource type '${type}' could not be found in the namespace '${namespace}' for api version used.`,
  );

export const invalidResourceNamespace = (namespace: string) =>
  new ArmError(400, "InvalidResourceNamespace", `The resource namespace '${namespace}' is invalid.`);

export const methodNotAllowed = (method: string, path: string) =>
  new ArmError(
    405,
    "MethodNotAllowed",
    `The requested resource does not support http method '${method}'.`,
    path,
  );

export const notFoundPath = (path: string) =>
  new ArmError(404, "NotFound", `No HTTP resource was found that matches the request URI '${path}'.`);

export const invalidRequestContent = (message: string, target?: string) =>
  new ArmError(400, "InvalidRequestContent", message, target);

export const unsupportedMediaType = (contentType: string) =>
  new ArmError(
    415,
    "UnsupportedMediaType",
    `The content media type '${contentType}' is not supported. Only 'application/json' is supported.`,
  );

export const invalidJson = (detail: string) =>
  new ArmError(
    400,
    "InvalidRequestContent",
    `The request content was invalid and could not be deserialized: '${detail}'.`,
  );

// ---- auth -----------------------------------------------------------------------------

export const authenticationFailed = (why: string) =>
  new ArmError(401, "AuthenticationFailed", `Authentication failed. ${why}`, undefined, undefined, {
    "WWW-Authenticate": 'Bearer authorization_uri="", error="invalid_token"',
  });

// Fixed text: the header never carries anything taken from the request or the token.
const bearerChallenge = (description: string) => ({
  "WWW-Authenticate": `Bearer authorization_uri="", error="invalid_token", error_description="${description}"`,
});

export const invalidAuthenticationToken = (message = "The access token is invalid.") =>
  new ArmError(
    401,
    "InvalidAuthenticationToken",
    message,
    undefined,
    undefined,
    bearerChallenge("The access token is invalid."),
  );

/** ARM's refusal of a token issued for another resource (Graph, Key Vault, …). */
export const invalidTokenAudience = (audience: string, allowed: readonly string[]) =>
  invalidAuthenticationToken(
    `The access token has been obtained for wrong audience or resource '${audience.slice(0, 200)}'. It should exactly match ` +
      `with one of the allowed audiences ${allowed.map((a) => `'${a}'`).join(",")}.`,
  );

export const expiredAuthenticationToken = (expiry: Date, now: Date) =>
  new ArmError(
    401,
    "ExpiredAuthenticationToken",
    `The access token expiry UTC time '${expiry.toISOString()}' is earlier than current UTC time '${now.toISOString()}'.`,
    undefined,
    undefined,
    bearerChallenge("The access token has expired."),
  );

export const invalidTokenTenant = (tokenTenant: string, subscriptionTenant: string) =>
  new ArmError(
    401,
    "InvalidAuthenticationTokenTenant",
    `The access token is from the wrong issuer 'https://sts.windows.net/${tokenTenant}/'. It must match the tenant ` +
      `'https://sts.windows.net/${subscriptionTenant}/' associated with this subscription. Please use the authority ` +
      `(URL) 'https://login.windows.net/${subscriptionTenant}' to get the token.`,
  );

export const subscriptionNotFound = (subscriptionId: string) =>
  new ArmError(404, "SubscriptionNotFound", `The subscription '${subscriptionId}' could not be found.`);

export const invalidSubscriptionId = (subscriptionId: string) =>
  new ArmError(
    400,
    "InvalidSubscriptionId",
    `The provided subscription identifier '${subscriptionId}' is malformed or invalid.`,
  );

// ---- resources ------------------------------------------------------------------------

export const resourceGroupNotFound = (rg: string) =>
  new ArmError(404, "ResourceGroupNotFound", `Resource group '${rg}' could not be found.`);

export const resourceNotFound = (type: string, name: string, rg?: string) =>
  new ArmError(
    404,
    "ResourceNotFound",
    rg
      ? `The Resource '${type}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`
      : `The Resource '${type}/${name}' was not found.`,
  );

/** Microsoft.Network's flavour of not-found for child resources (subnets, rules, routes …). */
export const notFound = (message: string) => new ArmError(404, "NotFound", message);

export const parentResourceNotFound = (parentType: string, parentName: string, rg?: string) =>
  new ArmError(
    404,
    "ParentResourceNotFound",
    `Can not perform requested operation on nested resource. Parent resource '${parentName}' not found.`,
    rg ? `${parentType}` : undefined,
  );

export const missingSubscriptionRegistration = (namespace: string) =>
  new ArmError(
    409,
    "MissingSubscriptionRegistration",
    `The subscription is not registered to use namespace '${namespace}'. See https://aka.ms/rps-not-found for how to register subscriptions.`,
    namespace,
  );

export const invalidResourceName = (name: string, type: string, rule: string) =>
  new ArmError(
    400,
    "InvalidResourceName",
    `Resource name ${name} is invalid for type '${type}'. ${rule}`,
    "name",
  );

export const invalidResourceGroupName = (name: string) =>
  new ArmError(
    400,
    "InvalidResourceGroupName",
    `The provided resource group name '${name}' has these invalid characters: the name must be 1-90 characters of letters, digits, '_', '-', '.', '(' or ')' and must not end in '.'.`,
    "resourceGroupName",
  );

export const locationRequired = () =>
  new ArmError(400, "LocationRequired", "The location property is required for this definition.", "location");

export const invalidLocation = (location: string, allowed: readonly string[]) =>
  new ArmError(
    400,
    "LocationNotAvailableForResourceType",
    `The provided location '${location}' is not available for resource type. List of available regions is '${allowed.join(",")}'.`,
    "location",
  );

export const invalidResourceLocation = (name: string, existing: string, requested: string) =>
  new ArmError(
    409,
    "InvalidResourceGroupLocation",
    `Invalid resource group location '${requested}'. The Resource group already exists in location '${existing}'.`,
    name,
  );

// ---- preconditions ----------------------------------------------------------------------

export const preconditionFailed = (why: string) =>
  new ArmError(
    412,
    "PreconditionFailed",
    `The condition specified using HTTP conditional header(s) is not met. ${why}`,
  );

export const bothPreconditions = () =>
  new ArmError(400, "BadRequest", "If-Match and If-None-Match headers cannot be specified together.");

export const invalidIfNoneMatch = (value: string) =>
  new ArmError(400, "BadRequest", `If-None-Match header value '${value}' is invalid; only '*' is supported.`);

// ---- generic validation -----------------------------------------------------------------

export const invalidParameter = (target: string, message: string, code = "InvalidParameter") =>
  new ArmError(400, code, message, target);

export const badRequest = (code: string, message: string, target?: string) =>
  new ArmError(400, code, message, target);

export const conflict = (code: string, message: string, target?: string) =>
  new ArmError(409, code, message, target);

export const operationNotFound = (id: string) =>
  new ArmError(404, "OperationNotFound", `The operation '${id}' could not be found.`);

export const internalError = (requestId: string) =>
  new ArmError(
    500,
    "InternalServerError",
    `The server encountered an internal error; the emulator log has the details under request id '${requestId}'.`,
  );

/**
 * A request body links to a resource the caller cannot read (a subscription of another
 * tenant, or one this emulator does not serve). ARM's wording for the cross-tenant case.
 */
export const linkedAuthorizationFailed = (
  action: string,
  scope: string,
  tenantId: string,
  linkedSubscriptionId: string,
  target?: string,
) =>
  new ArmError(
    403,
    "LinkedAuthorizationFailed",
    `The client has permission to perform action '${action}' on scope '${scope}', however the current tenant '${tenantId}' is not authorized to access linked subscription '${linkedSubscriptionId}'.`,
    target,
  );
