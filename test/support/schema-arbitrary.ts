// fast-check arbitraries derived from JSON Schema (the OpenAPI 3.0 subset): every value drawn
// is valid against the schema it came from. Keywords outside the subset throw, so a contract
// that grows a construct this does not know fails loudly instead of being tested with nonsense.
//
//   string   minLength, maxLength (in code points, as JSON Schema counts), pattern, enum,
//            format date (with ajv-formats' formatMinimum / formatMaximum)
//   number   minimum, maximum, exclusiveMinimum, exclusiveMaximum; multipleOf 1 (whole numbers)
//   integer  the same bounds
//   boolean, array (items, minItems, maxItems), object (properties, required: every optional
//   property is drawn both present and absent), $ref (local), and `known` values per $ref.
//
// Strings are any Unicode text except NUL (U+0000): ASCII, Cyrillic, emoji beyond the BMP,
// zero-width and bidi controls, line breaks, and code points from the whole range. NUL is left
// out because no text column in Postgres can hold it; the API refuses it with 400.
import fc from 'fast-check';

// A JSON Schema node: any keyword, any value (the vendored contract's, read as it is).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Schema = { [keyword: string]: any };

export interface DeriveOptions {
  /** The schema a local `$ref` (`#/components/schemas/X`) points to. */
  resolve(ref: string): Schema;
  /** Values to mix in for a `$ref`, e.g. ids the server issued, so requests name things that exist. */
  known?: Record<string, fc.Arbitrary<unknown>>;
}

const SUPPORTED = new Set([
  'type',
  'properties',
  'required',
  'items',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'pattern',
  'enum',
  'format',
  'formatMinimum',
  'formatMaximum',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  '$ref',
  // Annotations: no effect on which values are valid.
  'description',
  'example',
  'examples',
  'default',
  'title',
  'nullable',
  'additionalProperties',
]);

const codePoint = fc
  .oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 2, arbitrary: fc.integer({ min: 0x400, max: 0x4ff }) },
    { weight: 1, arbitrary: fc.constantFrom(0x09, 0x0a, 0x0d, 0x85, 0xa0, 0x200b, 0x200d, 0x202e, 0x2028, 0xfeff, 0xfffd, 0xffff) },
    { weight: 1, arbitrary: fc.integer({ min: 0x1f300, max: 0x1faff }) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 0x10ffff }).filter((cp) => cp < 0xd800 || cp > 0xdfff) },
  )
  .map((cp) => String.fromCodePoint(cp));

function text(schema: Schema): fc.Arbitrary<string> {
  const minLength: number = schema.minLength ?? 0;
  const maxLength: number | undefined = schema.maxLength;
  const short = fc.string({ unit: codePoint, minLength, maxLength: Math.max(minLength, Math.min(maxLength ?? 30, 30)) });
  // Now and then as long as the schema allows (or a few hundred characters when it sets no bound).
  const long = fc.string({ unit: codePoint, minLength, maxLength: maxLength ?? Math.max(minLength, 500), size: 'max' });
  const drawn = fc.oneof({ weight: 5, arbitrary: short }, { weight: 1, arbitrary: long });
  if (schema.pattern === undefined) return drawn;
  const pattern = new RegExp(schema.pattern, 'u');
  return drawn.filter((s) => pattern.test(s));
}

const DAY_MS = 24 * 3600 * 1000;
function date(schema: Schema): fc.Arbitrary<string> {
  const min = Date.parse(`${schema.formatMinimum ?? '0001-01-01'}T00:00:00Z`);
  const max = Date.parse(`${schema.formatMaximum ?? '9999-12-31'}T00:00:00Z`);
  return fc.integer({ min: 0, max: Math.floor((max - min) / DAY_MS) }).map((days) => new Date(min + days * DAY_MS).toISOString().slice(0, 10));
}

function number(schema: Schema): fc.Arbitrary<number> {
  const whole = schema.type === 'integer' || schema.multipleOf === 1;
  if (schema.multipleOf !== undefined && schema.multipleOf !== 1) throw new Error(`schema-arbitrary: multipleOf ${schema.multipleOf} is not supported`);
  // OpenAPI 3.0 writes exclusive bounds as booleans beside minimum/maximum; JSON Schema 2019+ as numbers.
  const lowExclusive = schema.exclusiveMinimum === true || typeof schema.exclusiveMinimum === 'number';
  const highExclusive = schema.exclusiveMaximum === true || typeof schema.exclusiveMaximum === 'number';
  const low: number = typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : (schema.minimum ?? -Number.MAX_VALUE);
  const high: number = typeof schema.exclusiveMaximum === 'number' ? schema.exclusiveMaximum : (schema.maximum ?? Number.MAX_VALUE);
  if (!whole) {
    return fc.double({ min: low, max: high, minExcluded: lowExclusive, maxExcluded: highExclusive, noNaN: true, noDefaultInfinity: true });
  }
  const lo = Math.ceil(lowExclusive ? low + (Number.isInteger(low) ? 1 : 0) : low);
  const hi = Math.floor(highExclusive ? high - (Number.isInteger(high) ? 1 : 0) : high);
  const safeLo = Math.max(lo, Number.MIN_SAFE_INTEGER);
  const safeHi = Math.min(hi, Number.MAX_SAFE_INTEGER);
  const parts: fc.Arbitrary<number>[] = [
    // Mostly small, where a server has most of its cases (the first page, the default sizes).
    fc.integer({ min: Math.max(safeLo, -1000), max: Math.max(Math.max(safeLo, -1000), Math.min(safeHi, 1000)) }),
    fc.integer({ min: safeLo, max: safeHi }),
  ];
  // Whole doubles beyond 2^53, when the bounds allow them: a client holding a double may send one.
  if (hi > Number.MAX_SAFE_INTEGER) parts.push(fc.integer({ min: 16, max: 300 }).map((e) => Math.min(10 ** e, hi)));
  return fc.oneof(...parts).filter((n) => n >= lo && n <= hi);
}

/** An arbitrary of values valid against `schema`. */
export function arbitraryFor(schema: Schema, options: DeriveOptions): fc.Arbitrary<unknown> {
  for (const keyword of Object.keys(schema)) {
    if (!SUPPORTED.has(keyword)) throw new Error(`schema-arbitrary: keyword ${keyword} is not supported`);
  }
  if (schema.$ref !== undefined) {
    const derived = arbitraryFor(options.resolve(schema.$ref), options);
    const known = options.known?.[schema.$ref];
    return known ? fc.oneof(known, derived) : derived;
  }
  if (schema.enum !== undefined) return fc.constantFrom(...(schema.enum as unknown[]));
  switch (schema.type) {
    case 'string':
      if (schema.format === undefined) return text(schema);
      if (schema.format === 'date') return date(schema);
      throw new Error(`schema-arbitrary: format ${schema.format} is not supported`);
    case 'number':
    case 'integer':
      return number(schema);
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(arbitraryFor(schema.items ?? {}, options), { minLength: schema.minItems ?? 0, maxLength: schema.maxItems ?? 5 });
    case 'object': {
      const properties: Record<string, Schema> = schema.properties ?? {};
      const fields = Object.fromEntries(Object.entries(properties).map(([name, sub]) => [name, arbitraryFor(sub, options)]));
      return fc.record(fields, { requiredKeys: (schema.required as string[] | undefined) ?? [] });
    }
    default:
      throw new Error(`schema-arbitrary: type ${JSON.stringify(schema.type)} is not supported`);
  }
}

/**
 * `schema` narrowed by `rules` (JSON Schema keywords too): the rules' keywords win, object
 * properties are narrowed one by one, `required` lists are joined. `$ref`s on the way are resolved.
 */
export function narrow(schema: Schema, rules: Schema | undefined, resolve: (ref: string) => Schema): Schema {
  if (!rules) return schema;
  const base = schema.$ref !== undefined ? resolve(schema.$ref) : schema;
  const out: Schema = { ...base, ...rules };
  if (rules.properties) {
    out.properties = { ...base.properties };
    for (const [name, sub] of Object.entries(rules.properties as Record<string, Schema>)) {
      if (!base.properties?.[name]) throw new Error(`narrow: no property ${name} to narrow`);
      out.properties[name] = narrow(base.properties[name], sub, resolve);
    }
  }
  if (rules.required) out.required = [...new Set([...(base.required ?? []), ...rules.required])];
  return out;
}

/** How a client writes a number: what its language prints for a double. */
export type NumberStyle = 'plain' | 'point' | 'exponent' | 'java';
export const numberStyles: NumberStyle[] = ['plain', 'point', 'exponent', 'java'];

export function writeNumber(n: number, style: NumberStyle): string {
  const plain = String(n);
  switch (style) {
    case 'plain': // JavaScript, Go's %v, C#
      return plain;
    case 'point': // Python's str(float), Kotlin: 100.0
      return Number.isInteger(n) && Math.abs(n) < 1e16 ? n.toFixed(1) : plain;
    case 'exponent': // printf %e without padding: 1e+2
      return n.toExponential();
    case 'java': {
      // Double.toString: 100.0 between 10^-3 and 10^7, else 1.0E7
      const abs = Math.abs(n);
      if (n === 0 || (abs >= 1e-3 && abs < 1e7)) return Number.isInteger(n) ? n.toFixed(1) : plain;
      const [mantissa, exponent] = n.toExponential().split('e') as [string, string];
      return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
    }
  }
}

/** JSON as a client in `style` writes it: the same value, numbers in that client's form. */
export function writeJson(value: unknown, style: NumberStyle): string {
  if (typeof value === 'number') return writeNumber(value, style);
  if (Array.isArray(value)) return `[${value.map((v) => writeJson(v, style)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${writeJson(v, style)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
