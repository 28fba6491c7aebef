// What the HTTP layer itself refuses (bad URLs, media types, sizes, malformed requests) turned
// into the face's own error shape, and the request-id headers every response carries. Fastify
// and Node answer such requests before any route runs; without this they were 500s or
// Fastify-shaped bodies.
import type { IncomingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import { ArmError, unsupportedMediaType } from "../providers/errors.js";
import { newGuid } from "../providers/ids.js";
import { requestContentTooLarge } from "./body.js";

// A GUID, optionally in braces — the form ARM documents for client-supplied request ids.
const GUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;

function guidHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return typeof v === "string" && GUID.test(v.trim()) ? v.trim().replace(/[{}]/g, "") : undefined;
}

/**
 * `x-ms-request-id` and `x-ms-correlation-request-id` for a request: the caller's values when
 * they are GUIDs (so a client's id finds its log line), otherwise fresh ones. Anything else a
 * client sends is never echoed: an 8,000-character id would overflow clients' header limits.
 */
export function requestIds(headers: IncomingHttpHeaders): { requestId: string; correlationId: string } {
  const requestId = guidHeader(headers, "x-ms-client-request-id") ?? newGuid();
  return { requestId, correlationId: guidHeader(headers, "x-ms-correlation-request-id") ?? requestId };
}

type FrameworkError = { code?: unknown; statusCode?: unknown; message?: unknown };

/**
 * The ARM error for an error Fastify raised before or around a route (code `FST_ERR_*` or a
 * 4xx `statusCode`), or undefined for anything else (a bug: 500, logged with its stack).
 */
export function frameworkError(
  err: unknown,
  headers: IncomingHttpHeaders,
  url: string,
): ArmError | undefined {
  if (!err || typeof err !== "object" || err instanceof ArmError) return undefined;
  const e = err as FrameworkError;
  switch (e.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return requestContentTooLarge();
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return unsupportedMediaType(String(headers["content-type"] ?? ""));
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new ArmError(
        400,
        "InvalidRequestContent",
        "The request body size did not match its Content-Length.",
      );
    case "FST_ERR_BAD_URL":
      return new ArmError(
        400,
        "BadRequest",
        `The request URI '${clip(url)}' is not valid: it has a malformed percent-encoding.`,
      );
    case "FST_ERR_MAX_PARAM_LENGTH":
      return new ArmError(414, "RequestUriTooLong", "The request URI is too long.");
    default:
      break;
  }
  const status = typeof e.statusCode === "number" ? e.statusCode : 0;
  if (status >= 400 && status < 500)
    return new ArmError(status, "BadRequest", `The request is malformed: ${clip(String(e.message ?? ""))}`);
  return undefined;
}

const clip = (s: string, n = 200) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** Sign-in paths answer in OAuth2's error shape rather than ARM's. */
export const isSigninPath = (url: string) => /\/oauth2\//i.test(url.split("?")[0]);

export function oauthBody(err: ArmError): { error: string; error_description: string } {
  return {
    error: err.status === 401 ? "invalid_client" : "invalid_request",
    error_description: err.message,
  };
}

/**
 * Node's HTTP parser refuses a malformed request (bad header characters, headers over 16 KiB,
 * a broken request line) before Fastify sees it; answer in ARM's shape and close.
 */
export function clientErrorHandler(onError: (code: string) => void) {
  return (err: Error & { code?: string }, socket: Socket): void => {
    if (err.code === "ECONNRESET" || socket.destroyed) return;
    const [status, reason, code, message] =
      err.code === "HPE_HEADER_OVERFLOW"
        ? [
            431,
            "Request Header Fields Too Large",
            "RequestHeaderFieldsTooLarge",
            "The request headers are too large.",
          ]
        : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? [408, "Request Timeout", "RequestTimeout", "The request was not received in time."]
          : [400, "Bad Request", "BadRequest", `The request is malformed (${err.code ?? "parse error"}).`];
    onError(`${status} ${code} (${err.code ?? "parse error"})`);
    if (socket.writable) {
      const body = JSON.stringify({ error: { code, message } });
      socket.write(
        `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
