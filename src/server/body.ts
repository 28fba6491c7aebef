// Request bodies of the JSON faces (ARM, admin): media type, size and nesting are checked
// before anything is built from the text, so odd input is an ARM 4xx, never a RangeError
// deep inside a handler.
import { ArmError, invalidJson, unsupportedMediaType } from "../providers/errors.js";

/** ARM refuses bodies over 4 MB before they reach a resource provider (ARM RPC, common API details). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Newtonsoft.Json's default MaxDepth, which ARM's deserializer applies. */
export const MAX_JSON_DEPTH = 64;

export const requestContentTooLarge = () =>
  new ArmError(
    413,
    "RequestContentTooLarge",
    `The request content size exceeds the maximum size of ${MAX_BODY_BYTES / 1024 / 1024} MB.`,
  );

// RFC 9110 media type: token "/" token *( OWS ";" OWS parameter ).
const MEDIA_TYPE = /^\s*([!#$%&'*+.^_`|~0-9a-z-]+)\/([!#$%&'*+.^_`|~0-9a-z-]+)\s*(?:;.*)?$/i;

/** True for `application/json`, `application/*+json` and `text/json`, with any parameters. */
export function isJsonMediaType(contentType: string): boolean {
  const m = MEDIA_TYPE.exec(contentType);
  if (!m) return false;
  const type = m[1].toLowerCase();
  const sub = m[2].toLowerCase();
  return (
    (type === "application" && (sub === "json" || sub.endsWith("+json"))) ||
    (type === "text" && sub === "json")
  );
}

/**
 * Position of the first bracket nested deeper than `max`, or -1. One pass over the text,
 * skipping string contents, so a 4 MB body costs a few milliseconds and no stack.
 */
export function excessiveDepthAt(text: string, max = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return i;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return -1;
}

/**
 * The parsed JSON body of a request, or undefined when there is none. `contentType` is the
 * raw header (absent means JSON: ARM's clients always send it with a body).
 */
export function parseJsonBody(raw: unknown, contentType: string | string[] | undefined): unknown {
  if (typeof raw !== "string" || raw.trim().length === 0) return undefined;
  if (Buffer.byteLength(raw, "utf8") > MAX_BODY_BYTES) throw requestContentTooLarge();
  if (contentType !== undefined) {
    const ct = Array.isArray(contentType) ? contentType.join(", ") : contentType;
    if (!isJsonMediaType(ct)) throw unsupportedMediaType(ct);
  }
  const deep = excessiveDepthAt(raw);
  if (deep >= 0)
    throw invalidJson(
      `The reader's MaxDepth of ${MAX_JSON_DEPTH} has been exceeded. Line 1, position ${deep + 1}.`,
    );
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw invalidJson(e instanceof Error ? e.message : String(e));
  }
}
