import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'core'): Logger {
  return pino({ name, level, redact: ['req.headers.authorization', 'req.headers.cookie', 'password'] });
}
