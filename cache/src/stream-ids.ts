// Redis stream ids, `<ms>-<seq>`: the entry ids of the users' event logs, which are also the
// positions gateways hand clients to resume from. Their form, and their order.

/** A stream id as Redis writes it. */
export const STREAM_ID = /^[0-9]{1,20}-[0-9]{1,20}$/;

/**
 * Compares stream ids "ms-seq" numerically. Once leading zeros are stripped, a longer decimal
 * part is larger and equal lengths compare as text: no BigInt per call (a gateway compares one
 * per frame it sends).
 */
export function compareStreamIds(a: string, b: string): number {
  const ad = a.indexOf('-');
  const bd = b.indexOf('-');
  const ms = comparePart(ad < 0 ? a : a.slice(0, ad), bd < 0 ? b : b.slice(0, bd));
  if (ms !== 0) return ms;
  return comparePart(ad < 0 ? '0' : a.slice(ad + 1), bd < 0 ? '0' : b.slice(bd + 1));
}

function comparePart(x: string, y: string): number {
  x = stripZeros(x);
  y = stripZeros(y);
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x === y ? 0 : x < y ? -1 : 1;
}

/** '007' → '7', '' and '000' → '0' (ids from clients may carry either). */
function stripZeros(x: string): string {
  let i = 0;
  while (i < x.length - 1 && x.charCodeAt(i) === 48) i++;
  return i === 0 ? (x === '' ? '0' : x) : x.slice(i);
}
