// Graceful shutdown: on SIGTERM or SIGINT, stop taking work, let in-flight work finish
// within a grace period, close connections, exit. A second signal exits at once.
import type { Logger } from './log.ts';

export function onShutdown(log: Logger, graceMs: number, steps: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error({ graceMs }, 'grace period over: exiting with work in flight');
      process.exit(1);
    }, graceMs);
    timer.unref();
    steps().then(
      () => {
        log.info('stopped cleanly');
        process.exit(0);
      },
      (err) => {
        log.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
