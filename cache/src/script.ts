import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './connection.ts';

type Arg = string | number;

/**
 * A Lua script registered once per connection; ioredis runs it by EVALSHA, falling back to EVAL.
 * `numberOfKeys` null: the script takes any number of keys, counted at each call.
 */
export class LuaScript<Result> {
  constructor(
    readonly name: string,
    readonly numberOfKeys: number | null,
    readonly lua: string,
  ) {}

  /** Registers the script on a connection; call before creating a pipeline that will queue it. */
  install(redis: RedisClient): void {
    if (typeof (redis as unknown as Record<string, unknown>)[this.name] !== 'function') {
      redis.defineCommand(this.name, this.numberOfKeys === null ? { lua: this.lua } : { numberOfKeys: this.numberOfKeys, lua: this.lua });
    }
  }

  run(redis: RedisClient, keys: string[], args: Arg[]): Promise<Result> {
    this.install(redis);
    return (redis as unknown as Record<string, (...a: Arg[]) => Promise<Result>>)[this.name]!(...this.keyArgs(keys), ...args);
  }

  /** Queues the script on a pipeline created from `redis`. */
  queue(redis: RedisClient, pipeline: ChainableCommander, keys: string[], args: Arg[]): void {
    this.install(redis);
    // ioredis copies the defined scripts onto a pipeline when it is created: a pipeline made
    // before this script's first use on the connection lacks it, so send it as EVAL (once).
    const command = (pipeline as unknown as Record<string, ((...a: Arg[]) => unknown) | undefined>)[this.name];
    if (typeof command === 'function') command.call(pipeline, ...this.keyArgs(keys), ...args);
    else pipeline.eval(this.lua, keys.length, ...keys, ...args);
  }

  /** With a variable number of keys, ioredis takes the count as the first argument. */
  private keyArgs(keys: string[]): Arg[] {
    return this.numberOfKeys === null ? [keys.length, ...keys] : keys;
  }
}

/** Results of `pipeline.exec()` with per-command errors thrown. */
export function results<T>(replies: [Error | null, unknown][] | null): T[] {
  return (replies ?? []).map(([err, value]) => {
    if (err) throw err;
    return value as T;
  });
}
