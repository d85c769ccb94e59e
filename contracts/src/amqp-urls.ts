// AMQP_URL may name several nodes of one RabbitMQ cluster, comma-separated. Core and the
// gateway both connect through amqplib's built-in recovery, which reconnects to the one
// address it was given; these helpers let it try the nodes in turn instead.

/** The URLs of a comma-separated AMQP_URL, in order (surrounding spaces and empty items dropped). */
export function amqpUrls(value: string): string[] {
  return value
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
}

/** True when every item is an amqp:// or amqps:// URL and there is at least one. */
export function validAmqpUrls(value: string): boolean {
  const urls = amqpUrls(value);
  return (
    urls.length > 0 &&
    urls.every((url) => {
      try {
        return ['amqp:', 'amqps:'].includes(new URL(url).protocol);
      } catch {
        return false;
      }
    })
  );
}

/**
 * amqplib's connect target as an object (its `Options.Connect`), with the fields amqplib reads
 * on every attempt. Kept structural so this package does not depend on amqplib.
 */
export interface AmqpEndpoint {
  protocol: string;
  hostname: string;
  port: number | undefined;
  username: string | undefined;
  password: string | undefined;
  vhost: string | undefined;
  locale: string | undefined;
  frameMax: number | undefined;
  heartbeat: number | undefined;
  channelMax: number | undefined;
}

/** A URL as amqplib's object form, with the same defaults its string form applies. */
function endpoint(url: string): AmqpEndpoint {
  const u = new URL(url);
  const query = (name: string) => (u.searchParams.has(name) ? Number(u.searchParams.get(name)) : undefined);
  const credentials = u.username !== '' || u.password !== '';
  return {
    protocol: u.protocol.replace(/:$/, ''),
    hostname: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : undefined,
    // amqplib's string form defaults to guest/guest only when both are absent; so does its object form.
    username: credentials ? decodeURIComponent(u.username) : undefined,
    password: credentials ? decodeURIComponent(u.password) : undefined,
    vhost: u.pathname.length > 1 ? u.pathname.slice(1) : undefined, // amqplib unescapes it
    locale: u.searchParams.get('locale') ?? undefined,
    frameMax: query('frameMax'),
    heartbeat: query('heartbeat'),
    channelMax: query('channelMax'),
  };
}

export interface Failover {
  /** What to hand to `amqp.connect`: the URL itself when there is one, else a rotating endpoint. */
  target: string | AmqpEndpoint;
  /** The URL the next attempt goes to (for logs). */
  readonly current: string;
  /** Points the next attempt at the next URL of the list (wrapping round); a no-op for one URL. */
  next(): void;
}

/**
 * Failover across the URLs of AMQP_URL. amqplib's recovery calls its connect function again
 * with the very same target object on every attempt and reads the address from it each time,
 * so moving this one object to the next node (on `reconnect-scheduled`) makes the next
 * attempt go there. With a single URL the string is passed through untouched, so behaviour
 * is exactly what it was before lists existed.
 */
export function failover(value: string): Failover {
  const urls = amqpUrls(value);
  if (urls.length === 0) throw new Error('AMQP_URL names no broker');
  let index = 0;
  if (urls.length === 1) return { target: urls[0]!, current: urls[0]!, next() {} };
  const endpoints = urls.map(endpoint);
  const target: AmqpEndpoint = { ...endpoints[0]! };
  return {
    target,
    get current() {
      return urls[index]!;
    },
    next() {
      index = (index + 1) % urls.length;
      Object.assign(target, endpoints[index]!); // every endpoint has every key, so nothing lingers
    },
  };
}

/** A URL with its password masked, for logs. */
export function redactAmqpUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}
