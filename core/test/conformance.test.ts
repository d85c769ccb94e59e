// The API as clients generated from the OTUS contract use it. For every operation of the vendored
// OpenAPI file (contracts/otus/openapi.json), requests are generated from the contract's own
// schemas (test/support/schema-arbitrary.ts): optional fields and parameters on and off, Unicode
// text, numbers written the way each client language prints a double (10, 10.0, 1e+1, 1.0E1),
// ids that exist and ids that do not. Every such request must be accepted: a 2xx whose body
// validates against the contract's response schema, or one of the answers listed below for a
// request naming something that is not there (or not the caller's). Never a 400 for what the
// contract allows, never a 5xx. Runs at the production rate-limit defaults.
//
// openapi-generator itself cannot run here (its CLI downloads a jar from Maven Central, which
// this machine cannot reach), so the requests are written as its clients write them: query
// numbers from doubles (`offset=0.0&limit=100.0`), path parameters percent-encoded (simple
// style), query parameters as `name=value` (form style), JSON bodies with the fields they set.
// A client generated on npm (@hey-api/openapi-ts) drives `npm start` in test/stack.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import otusOpenApi from '@feed/contracts/otus/openapi.json' with { type: 'json' };
import { arbitraryFor, narrow, numberStyles, writeJson, writeNumber, type NumberStyle, type Schema } from '../../test/support/schema-arbitrary.ts';
import { startCore, defaultLimits, type Harness } from './harness.ts';
import { Client } from './client.ts';

const contract = otusOpenApi as Schema;
const RUNS = Number(process.env.CONFORMANCE_RUNS ?? 40);

/** Operations this project does not implement, with the reason. Every other operation is walked. */
const OUT_OF_SCOPE: Record<string, string> = {
  'POST /dialog/{user_id}/send': 'dialogs are outside this project’s scope (contracts/otus/README.md, docs/api.md)',
  'GET /dialog/{user_id}/list': 'dialogs are outside this project’s scope (contracts/otus/README.md, docs/api.md)',
};

const today = new Date().toISOString().slice(0, 10);
const postText = { maxLength: 5000, pattern: '\\S' };
/**
 * Where the API is stricter than the contract, as docs/api.md states it: JSON Schema keywords
 * that narrow the contract's schemas before requests are drawn from them. What lies outside
 * them gets a 400 with a message (the checks at the end of this file, and bad-input.test.ts).
 */
const SERVER_RULES: Record<string, { parameters?: Record<string, Schema>; body?: Schema }> = {
  'POST /user/register': {
    body: {
      required: ['password'],
      properties: {
        password: { minLength: 8, maxLength: 256 },
        first_name: { maxLength: 100 },
        second_name: { maxLength: 100 },
        city: { maxLength: 100 },
        biography: { maxLength: 2000 },
        birthdate: { formatMinimum: '1900-01-01', formatMaximum: today },
      },
    },
  },
  'POST /login': { body: { required: ['id', 'password'], properties: { password: { minLength: 1, maxLength: 256 } } } },
  'GET /user/search': { parameters: { first_name: { maxLength: 100 }, last_name: { maxLength: 100 } } },
  'POST /post/create': { body: { properties: { text: postText } } },
  'PUT /post/update': { body: { properties: { text: postText } } },
  // A count is a whole number (a client holding a double sends 10.0 for ten).
  'GET /post/feed': { parameters: { offset: { multipleOf: 1 }, limit: { multipleOf: 1 } } },
};
/** A path segment is never empty, `.` or `..`: a URL with one is another path (RFC 3986 §5.2.4). */
const PATH_SEGMENT: Schema = { minLength: 1, pattern: '^(?!\\.{1,2}$)' };

interface Outcome {
  status: number;
  message: RegExp;
  why: string;
}
const notFound = (what: 'user' | 'post'): Outcome => ({ status: 404, message: new RegExp(`^${what}( \\d+)? not found$`), why: `names no ${what}` });
const notTheAuthor: Outcome = { status: 403, message: /^only the author can change this post$/, why: 'someone else’s post' };
/** Besides success, what a valid request may be answered, and why. */
const OTHER_OUTCOMES: Record<string, Outcome[]> = {
  'POST /login': [
    notFound('user'),
    { status: 400, message: /^wrong id or password$/, why: 'not that account’s password (the contract lists 400)' },
    { status: 429, message: /^too many failed logins for this account/, why: 'failed logins per account' },
  ],
  'GET /user/get/{id}': [notFound('user')],
  'PUT /friend/set/{user_id}': [notFound('user'), { status: 400, message: /^you cannot follow yourself$/, why: 'the caller’s own id (the contract lists 400)' }],
  'PUT /friend/delete/{user_id}': [notFound('user'), { status: 400, message: /^you cannot unfollow yourself$/, why: 'the caller’s own id (the contract lists 400)' }],
  'PUT /post/update': [notFound('post'), notTheAuthor],
  'PUT /post/delete/{id}': [notFound('post'), notTheAuthor],
  'GET /post/get/{id}': [notFound('post')],
};

// ---- the contract ---------------------------------------------------------------------------

function resolve(ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs: ${ref}`);
  return ref
    .slice(2)
    .split('/')
    .reduce<Schema>((node, part) => node[part.replace(/~1/g, '/').replace(/~0/g, '~')], contract);
}

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: Schema;
}
interface Operation {
  key: string;
  method: string;
  path: string;
  parameters: Parameter[];
  body?: Schema;
  secured: boolean;
  responses: Record<string, Schema>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const allOperations: Operation[] = Object.entries(contract.paths as Record<string, Schema>).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, op]: [string, Schema]) => ({
      key: `${method.toUpperCase()} ${path}`,
      method: method.toUpperCase(),
      path,
      parameters: ((op.parameters ?? []) as Schema[]).map((p) => (p.$ref ? resolve(p.$ref) : p)) as Parameter[],
      body: op.requestBody?.content?.['application/json']?.schema,
      secured: Array.isArray(op.security) ? op.security.length > 0 : Array.isArray(contract.security) && contract.security.length > 0,
      responses: op.responses,
    })),
);
const operations = allOperations.filter((op) => !(op.key in OUT_OF_SCOPE));

// ---- response validation (strict: no property beyond what the contract lists) ---------------

function strict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strict);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = strict(v);
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}
// ajv-formats is CommonJS; its default export arrives wrapped under ESM interop.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'strict', ...(strict(contract) as object) });
ajv.addSchema({ $id: 'contract', ...contract });
const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const compiled = new Map<string, ValidateFunction>();
function validator(id: 'strict' | 'contract', ...parts: string[]): ValidateFunction {
  const ref = `${id}#/${pointer(...parts)}`;
  let v = compiled.get(ref);
  if (!v) compiled.set(ref, (v = ajv.compile({ $ref: ref })));
  return v;
}
const errorBody = validator('strict', 'components', 'responses', '5xx', 'content', 'application/json', 'schema');

// ---- the world the requests name ------------------------------------------------------------

let core: Harness;
let caller: Client & { userId: string };
const PASSWORD = 'correct horse battery';
const users: string[] = [];
const ownPosts: string[] = [];
const othersPosts: string[] = [];
/** status → count per operation, printed at the end. */
const seen = new Map<string, Map<number, number>>();

beforeAll(async () => {
  core = await startCore(defaultLimits());
  const anon = new Client(core.url);
  caller = await anon.signUp({ first_name: 'Конформ', second_name: 'Клиент' });
  for (let i = 0; i < 4; i++) {
    const user = await anon.signUp({ first_name: `Автор${i}`, second_name: 'Контракта' }, PASSWORD);
    users.push(user.userId);
    await caller.put(`/friend/set/${user.userId}`);
    for (let j = 0; j < 3; j++) othersPosts.push((await user.post('/post/create', { text: `пост ${j} автора ${i} 😀` })).body);
  }
  for (let i = 0; i < 20; i++) ownPosts.push((await caller.post('/post/create', { text: `мой пост ${i}` })).body);
}, 90_000);

afterAll(async () => {
  for (const [op, statuses] of seen) {
    console.log(
      `[conformance] ${op.padEnd(30)} ${[...statuses]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}×${n}`)
        .join(' ')}`,
    );
  }
  await core?.close();
});

/** Known ids come from the arrays filled in beforeAll, read at draw time. */
const oneOf = (values: () => string[]) => fc.nat().map((i) => values()[i % values().length]!);
const known = (): Record<string, fc.Arbitrary<unknown>> => ({
  '#/components/schemas/UserId': oneOf(() => users),
  '#/components/schemas/PostId': fc.oneof(
    oneOf(() => ownPosts),
    oneOf(() => othersPosts),
  ),
});

// ---- requests -------------------------------------------------------------------------------

interface Drawn {
  params: Record<string, unknown>;
  body: unknown;
  style: NumberStyle;
}

function requestArbitrary(op: Operation): fc.Arbitrary<Drawn> {
  const rules = SERVER_RULES[op.key] ?? {};
  const options = { resolve, known: known() };
  // Narrowing resolves a `$ref`: its known values are mixed in here, before it is gone.
  const derive = (schema: Schema, narrowing: Schema | undefined) => {
    const drawn = arbitraryFor(narrow(schema, narrowing, resolve), options);
    const values = schema.$ref === undefined ? undefined : options.known[schema.$ref];
    return values ? fc.oneof(values, drawn) : drawn;
  };
  const params = Object.fromEntries(op.parameters.map((p) => [p.name, derive(p.schema, p.in === 'path' ? { ...PATH_SEGMENT, ...rules.parameters?.[p.name] } : rules.parameters?.[p.name])]));
  const requiredParams = op.parameters.filter((p) => p.required).map((p) => p.name);
  // The login password: the account's one half of the time, so logins also succeed.
  const body = op.body ? derive(op.body, rules.body) : fc.constant(undefined);
  const withPassword = op.key === 'POST /login' ? body.chain((b) => fc.oneof(fc.constant(b), fc.constant({ ...(b as object), password: PASSWORD }))) : body;
  return fc.record({
    params: fc.record(params, { requiredKeys: requiredParams }),
    body: withPassword,
    style: fc.constantFrom(...numberStyles),
  });
}

/** The request line and body a generated client sends for `drawn`. */
function write(op: Operation, drawn: Drawn): { url: string; body?: string } {
  const value = (v: unknown) => encodeURIComponent(typeof v === 'number' ? writeNumber(v, drawn.style) : String(v));
  let path = op.path;
  const query: string[] = [];
  for (const p of op.parameters) {
    if (!(p.name in drawn.params)) continue;
    if (p.in === 'path') path = path.replace(`{${p.name}}`, value(drawn.params[p.name]));
    else query.push(`${encodeURIComponent(p.name)}=${value(drawn.params[p.name])}`);
  }
  return { url: path + (query.length ? `?${query.join('&')}` : ''), body: drawn.body === undefined ? undefined : writeJson(drawn.body, drawn.style) };
}

/** Checks that what was drawn is valid against the contract as it is (before the server's rules). */
function expectContractValid(op: Operation, drawn: Drawn): void {
  const opPath = pointer('paths', op.path, op.method.toLowerCase());
  op.parameters.forEach((p, i) => {
    if (!(p.name in drawn.params)) return;
    const v = validator('contract', ...opPath.split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')), 'parameters', String(i), 'schema');
    expect(v(drawn.params[p.name]), `${op.key} ${p.name}=${JSON.stringify(drawn.params[p.name])}: ${ajv.errorsText(v.errors)}`).toBe(true);
  });
  if (op.body) {
    const v = validator('contract', 'paths', op.path, op.method.toLowerCase(), 'requestBody', 'content', 'application/json', 'schema');
    expect(v(drawn.body), `${op.key} body: ${ajv.errorsText(v.errors)}`).toBe(true);
  }
}

async function send(op: Operation, drawn: Drawn) {
  const { url, body } = write(op, drawn);
  const headers: Record<string, string> = {};
  if (op.secured) headers.authorization = `Bearer ${caller.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(core.url + url, { method: op.method, headers, body: body ?? null });
  const text = await res.text();
  return { url, body, status: res.status, contentType: res.headers.get('content-type') ?? '', text };
}

function expectAccepted(op: Operation, reply: Awaited<ReturnType<typeof send>>): void {
  const context = `${op.key}: ${reply.status} ${reply.text.slice(0, 300)}\nrequest: ${op.method} ${reply.url.slice(0, 500)} ${reply.body?.slice(0, 500) ?? ''}`;
  const counts = seen.get(op.key) ?? new Map<number, number>();
  counts.set(reply.status, (counts.get(reply.status) ?? 0) + 1);
  seen.set(op.key, counts);
  if (reply.status >= 200 && reply.status < 300) {
    const content = op.responses[String(reply.status)]?.content?.['application/json'];
    if (!content) {
      expect(reply.text, `no body in the contract: ${context}`).toBe('');
      return;
    }
    expect(reply.contentType, context).toMatch(/^application\/json/);
    const v = validator('strict', 'paths', op.path, op.method.toLowerCase(), 'responses', String(reply.status), 'content', 'application/json', 'schema');
    expect(v(JSON.parse(reply.text)), `${ajv.errorsText(v.errors)}\n${context}`).toBe(true);
    return;
  }
  expect(reply.contentType, context).toMatch(/^application\/json/);
  const error = JSON.parse(reply.text) as { message: string };
  expect(errorBody(error), `${ajv.errorsText(errorBody.errors)}\n${context}`).toBe(true);
  const allowed = (OTHER_OUTCOMES[op.key] ?? []).find((o) => o.status === reply.status && o.message.test(error.message));
  expect(allowed, `a valid request refused: ${context}`).toBeDefined();
}

/** fc.assert, but a failure's message stays readable. */
async function holds<T>(property: fc.IAsyncProperty<T>, numRuns: number): Promise<void> {
  const details = await fc.check(property, { numRuns });
  if (!details.failed) return;
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(`property failed (seed ${details.seed}, path ${details.counterexamplePath}) after ${details.numRuns} runs:\n${cause}\ncounterexample: ${JSON.stringify(details.counterexample).slice(0, 1500)}`);
}

// ---- the suite ------------------------------------------------------------------------------

describe('the vendored contract', () => {
  it('has every operation walked here or set aside with a reason', () => {
    expect(allOperations.length).toBeGreaterThanOrEqual(12);
    for (const key of Object.keys(OUT_OF_SCOPE)) expect(allOperations.map((op) => op.key)).toContain(key);
    for (const key of [...Object.keys(SERVER_RULES), ...Object.keys(OTHER_OUTCOMES)]) expect(operations.map((op) => op.key)).toContain(key);
  });
});

describe('requests generated from the contract are accepted, and answered as the contract says', () => {
  for (const op of operations) {
    it(
      op.key,
      async () => {
        await holds(
          fc.asyncProperty(requestArbitrary(op), async (drawn) => {
            expectContractValid(op, drawn);
            expectAccepted(op, await send(op, drawn));
          }),
          RUNS,
        );
        // The draws reach success, not only the answers for ids that are not there.
        const successes = [...(seen.get(op.key) ?? new Map<number, number>())].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0);
        expect(successes, `${op.key}: ${JSON.stringify([...(seen.get(op.key) ?? [])])}`).toBeGreaterThan(0);
      },
      120_000,
    );
  }
});

describe('exactly what a generated client sends', () => {
  it('GET /post/feed?offset=0.0&limit=100.0, and limit=1000 and beyond', async () => {
    const anon = new Client(core.url);
    const reader = await anon.signUp();
    const author = await anon.signUp();
    await reader.put(`/friend/set/${author.userId}`);
    for (let i = 0; i < 12; i++) await author.post('/post/create', { text: `post ${i}` });
    const valid = validator('strict', 'paths', '/post/feed', 'get', 'responses', '200', 'content', 'application/json', 'schema');
    for (const [query, length] of [
      ['offset=0.0&limit=100.0', 12],
      ['offset=0.0&limit=1000.0', 12],
      ['limit=1.0E4', 12],
      ['offset=1e1&limit=1e1', 2],
    ] as const) {
      const reply = await reader.get(`/post/feed?${query}`);
      expect(reply.status, `${query}: ${JSON.stringify(reply.body)}`).toBe(200);
      expect(valid(reply.body), ajv.errorsText(valid.errors)).toBe(true);
      expect(reply.body, query).toHaveLength(length);
    }
  });

  it('POST /user/register with only a password, and POST /login with an id sent as a JSON number', async () => {
    const anon = new Client(core.url);
    const { body } = await anon.post('/user/register', { password: PASSWORD });
    expect(typeof body.user_id).toBe('string');
    const login = await anon.request('POST', '/login', `{"id":${body.user_id}.0,"password":${JSON.stringify(PASSWORD)}}`);
    expect(login.status, JSON.stringify(login.body)).toBe(200);
  });
});

describe('where the API is stricter than the contract, a 400 says why', () => {
  it.each([
    ['POST', '/user/register', {}, /password: is required/],
    ['POST', '/user/register', { password: 'short' }, /password: must be at least 8 characters/],
    ['POST', '/user/register', { password: PASSWORD, birthdate: '1899-12-31' }, /birthdate: must be between 1900-01-01 and today/],
    ['POST', '/login', { password: PASSWORD }, /id: /],
    ['POST', '/post/create', { text: '  ' }, /text: must not be empty/],
    ['GET', '/post/feed?offset=0.5', undefined, /offset: must be a whole number/],
    ['GET', '/post/feed?limit=0', undefined, /limit: must be a whole number, at least 1/],
  ] as const)('%s %s %j', async (method, path, body, message) => {
    const reply = await caller.request(method, path, body);
    expect(reply.status, JSON.stringify(reply.body)).toBe(400);
    expect(reply.body.message).toMatch(message);
  });
});
