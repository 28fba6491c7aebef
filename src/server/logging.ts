// The emulator's log: one line per request (method, path, status, duration, request id,
// error code) plus server-side failures with their stack, as aligned text or JSON lines on
// stderr. Own small logger rather than pino: the text lines stay one readable row each, and
// nothing here ever sees a token or a secret — only the path, a redacted query and codes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ["text", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  requestId: string;
  errorCode?: string;
}

export interface Logger {
  readonly level: LogLevel;
  enabled(level: LogLevel): boolean;
  log(level: LogLevel, msg: string, err?: unknown): void;
  error(msg: string, err?: unknown): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
  request(entry: RequestLogEntry): void;
}

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where lines go (default stderr); each call gets one line ending in "\n". */
  write?: (line: string) => void;
}

export function createLogger(opts: LoggerOptions): Logger {
  const write = opts.write ?? ((line: string) => void process.stderr.write(line));
  const enabled = (level: LogLevel) => RANK[level] <= RANK[opts.level];
  const emit = (level: LogLevel, fields: Record<string, unknown>, text: string) => {
    if (!enabled(level)) return;
    const time = new Date().toISOString();
    if (opts.format === "json") write(`${JSON.stringify({ time, level, ...fields })}\n`);
    else write(`${time} ${level.toUpperCase().padEnd(5)} ${text}\n`);
  };
  const log = (level: LogLevel, msg: string, err?: unknown) => {
    const stack = errorText(err);
    emit(level, { msg, ...(stack ? { error: stack } : {}) }, stack ? `${msg}\n${indent(stack)}` : msg);
  };
  return {
    level: opts.level,
    enabled,
    log,
    error: (msg, err) => log("error", msg, err),
    warn: (msg) => log("warn", msg),
    info: (msg) => log("info", msg),
    debug: (msg) => log("debug", msg),
    request(e) {
      const ms = Math.round(e.durationMs * 10) / 10;
      const text =
        `${e.method.padEnd(7)}${String(e.status).padStart(3)} ${`${ms.toFixed(1)}ms`.padStart(9)}  ` +
        `${e.requestId.padEnd(36)}  ${e.path}${e.errorCode ? `  ${e.errorCode}` : ""}`;
      emit(
        requestLevel(e),
        {
          msg: "request",
          method: e.method,
          path: e.path,
          status: e.status,
          durationMs: ms,
          requestId: e.requestId,
          ...(e.errorCode ? { errorCode: e.errorCode } : {}),
        },
        text,
      );
    },
  };
}

/** 5xx are errors, refusals warnings, health polls debug noise, the rest info. */
function requestLevel(e: RequestLogEntry): LogLevel {
  if (e.status >= 500) return "error";
  if (e.status >= 400) return "warn";
  if (e.path === "/_aksnet/health") return "debug";
  return "info";
}

function errorText(err: unknown): string {
  if (err === undefined) return "";
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}

const indent = (s: string) =>
  s
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");

// Query parameters whose values may be credentials (OAuth codes, SAS signatures, one-time
// login tokens); their values never reach the log.
const SECRET_QUERY = /secret|token|password|passwd|sig|key|code|credential|assertion/i;

/** The request path with secret-looking query values replaced by `***`. */
export function loggablePath(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  const parts: string[] = [];
  for (const [k, v] of params) parts.push(`${k}=${SECRET_QUERY.test(k) ? "***" : v}`);
  return `${url.slice(0, q)}${parts.length ? `?${parts.join("&")}` : ""}`;
}

/**
 * The error code a response carries: ARM's `error.code` or OAuth2's `error`. Only error
 * responses are looked at, and only small ones, so success paths pay nothing.
 */
export function errorCodeOf(status: number, payload: unknown): string | undefined {
  if (status < 400 || typeof payload !== "string" || payload.length > 65_536) return undefined;
  try {
    const body = JSON.parse(payload) as { error?: unknown; code?: unknown } | null;
    const e = body?.error;
    if (typeof e === "string") return e;
    if (e && typeof e === "object" && typeof (e as { code?: unknown }).code === "string")
      return (e as { code: string }).code;
    return typeof body?.code === "string" ? body.code : undefined;
  } catch {
    return undefined;
  }
}

const codes = new WeakMap<FastifyRequest, string>();

/** Logs every request when its response has been sent. */
export function installRequestLogging(
  app: FastifyInstance,
  logger: Logger,
  requestIdOf: (reply: FastifyReply) => string,
): void {
  app.addHook("onSend", async (req, reply, payload) => {
    const code = errorCodeOf(reply.statusCode, payload);
    if (code) codes.set(req, code);
    return payload;
  });
  app.addHook("onResponse", async (req, reply) => {
    logger.request({
      method: req.method,
      path: loggablePath(req.url),
      status: reply.statusCode,
      durationMs: reply.elapsedTime,
      requestId: requestIdOf(reply),
      errorCode: codes.get(req),
    });
  });
}
