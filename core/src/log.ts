import { pino, type DestinationStream, type Logger } from 'pino';
import { TOKEN_PARAM } from '@feed/contracts';

export type { Logger };

/**
 * What must never reach a log line: credentials in the request (the bearer header, the login
 * cookie, a `?token=` in the parsed query), the JWT that `POST /login` sets in its response's
 * Set-Cookie (pino-http logs response headers), and passwords anywhere in a logged object.
 */
export const REDACTED_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'req.query.token', 'res.headers["set-cookie"]', 'password'];

/** A request target with the value of any `?token=` replaced (the stream's token parameter, sent to the wrong place). */
export function withoutTokens(url: string | undefined): string | undefined {
  if (!url || !url.includes('?')) return url;
  const pattern = new RegExp(`([?&]${TOKEN_PARAM}=)[^&#]*`, 'gi');
  return url.replace(pattern, '$1[Redacted]');
}

export function createLogger(level: string, name = 'core', destination?: DestinationStream): Logger {
  const options = { name, level, redact: REDACTED_PATHS };
  return destination ? pino(options, destination) : pino(options);
}
