// One error shape for every failure: {message, request_id, code}, as the contract's 5xx schema,
// reused for 4xx so clients parse one thing. `code` classifies the problem beyond the status.
import type { ErrorRequestHandler, RequestHandler } from 'express';

export const ErrorCode = {
  invalidInput: 1000,
  unauthorized: 1001,
  forbidden: 1003,
  notFound: 1004,
  payloadTooLarge: 1013,
  unsupportedMediaType: 1015,
  rateLimited: 1029,
  internal: 1500,
  unavailable: 1503,
} as const;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    /** Sent as Retry-After (seconds) with the error. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  static invalid(message: string) {
    return new ApiError(400, ErrorCode.invalidInput, message);
  }
  static unauthorized(message = 'authentication required: send Authorization: Bearer <token>') {
    return new ApiError(401, ErrorCode.unauthorized, message);
  }
  static forbidden(message: string) {
    return new ApiError(403, ErrorCode.forbidden, message);
  }
  static notFound(message: string) {
    return new ApiError(404, ErrorCode.notFound, message);
  }
  static rateLimited(message: string, retryAfterSeconds: number) {
    return new ApiError(429, ErrorCode.rateLimited, message, retryAfterSeconds);
  }
}

/**
 * A write naming the caller broke a foreign key on the caller's own id: the token is genuine
 * but its account does not exist (any more). That is an authentication failure, not a 500.
 */
export function unknownAccount(err: unknown, constraint: string): unknown {
  const e = err as { code?: unknown; constraint?: unknown } | undefined;
  return e?.code === '23503' && e.constraint === constraint ? ApiError.unauthorized('your account does not exist: log in again') : err;
}

/** Postgres is unreachable or shutting down: the client should retry, not give up. */
function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ETIMEDOUT' ||
    code === '57P01' || // admin_shutdown
    code === '57P03' || // cannot_connect_now
    code === '53300' || // too_many_connections
    (err instanceof Error && /timeout exceeded when trying to connect|Connection terminated/.test(err.message))
  );
}

/** body-parser marks its own failures with `type` and `status`. */
function fromBodyParser(err: { type?: string; status?: number }): ApiError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return ApiError.invalid('malformed JSON in request body');
    case 'entity.too.large':
      return new ApiError(413, ErrorCode.payloadTooLarge, 'request body too large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(415, ErrorCode.unsupportedMediaType, 'unsupported body encoding; send UTF-8 JSON');
    default:
      return err.status && err.status >= 400 && err.status < 500 ? ApiError.invalid('invalid request') : undefined;
  }
}

export const notFoundRoute: RequestHandler = (req, _res, next) => {
  next(ApiError.notFound(`no route for ${req.method} ${req.path}`));
};

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const requestId = String(req.id);
  let apiError = err instanceof ApiError ? err : fromBodyParser(err);
  if (!apiError && isUnavailable(err)) {
    req.log.error({ err }, 'dependency unavailable');
    res.setHeader('Retry-After', '5');
    apiError = new ApiError(503, ErrorCode.unavailable, 'service temporarily unavailable, retry shortly');
  }
  if (!apiError) {
    req.log.error({ err }, 'unhandled error');
    apiError = new ApiError(500, ErrorCode.internal, 'internal error');
  }
  if (apiError.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(apiError.retryAfterSeconds));
  res.status(apiError.status).json({ message: apiError.message, request_id: requestId, code: apiError.code });
};
