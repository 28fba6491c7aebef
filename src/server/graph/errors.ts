// The Graph face's error catalogue: Graph's codes and wording (`{error:{code,message,innerError}}`).
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const graphErrors = {
  noToken: () => new GraphError(401, "InvalidAuthenticationToken", "Access token is empty."),
  invalidToken: (reason: string) =>
    new GraphError(401, "InvalidAuthenticationToken", `Access token validation failure. ${reason}`),
  invalidAudience: () =>
    new GraphError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience."),
  notFound: (id: string) =>
    new GraphError(
      404,
      "Request_ResourceNotFound",
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    ),
  segment: (segment: string) =>
    new GraphError(400, "BadRequest", `Resource not found for the segment '${segment}'.`),
  methodNotAllowed: () =>
    new GraphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target."),
  badRequest: (message: string) => new GraphError(400, "Request_BadRequest", message),
  unsupportedQuery: (message: string) => new GraphError(400, "Request_UnsupportedQuery", message),
};
