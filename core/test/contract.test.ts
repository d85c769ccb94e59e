// Every successful response body validates against the OTUS OpenAPI contract, and every error
// body against its 5xx schema. Validation is strict: no properties beyond what the contract lists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { startCore, type Harness } from './harness.ts';
import { Client, type Reply } from './client.ts';
import { Codes, expectError, raw, uniqueName } from './helpers.ts';
import otusOpenApi from '@feed/contracts/otus/openapi.json' with { type: 'json' };

// The vendored OpenAPI document, walked by key; its shape is the contract's, not a type of ours.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const contract = otusOpenApi as Record<string, any>;

/** A copy of the contract where every object schema refuses properties it does not list. */
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
// OpenAPI 3.0 adds keywords (example, description with Cyrillic) that ajv's strict mode rejects.
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'otus', ...(strict(contract) as object) });

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** The validator for a path's 200 response body, with its `$ref`s resolved inside the contract. */
function responseSchema(method: string, path: string, status = '200'): ValidateFunction {
  const operation = contract.paths[path]?.[method];
  expect(operation, `${method} ${path} in the contract`).toBeDefined();
  expect(operation.responses[status]?.content?.['application/json']?.schema, `${method} ${path} ${status} schema`).toBeDefined();
  return ajv.compile({ $ref: `otus#/${pointer('paths', path, method, 'responses', status, 'content', 'application/json', 'schema')}` });
}

const errorSchema = ajv.compile({ $ref: `otus#/${pointer('components', 'responses', '5xx', 'content', 'application/json', 'schema')}` });

function expectValid(validate: ValidateFunction, reply: Reply, what: string): void {
  expect(reply.status, `${what}: ${JSON.stringify(reply.body)}`).toBe(200);
  expect(reply.headers.get('content-type') ?? '', what).toMatch(/^application\/json/);
  const ok = validate(reply.body);
  expect(ok, `${what}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(reply.body)}`).toBe(true);
}

function expectContractError(reply: Reply, status: number, code?: number): void {
  expectError(reply, status, code);
  const ok = errorSchema(reply.body);
  expect(ok, `${ajv.errorsText(errorSchema.errors)}\n${JSON.stringify(reply.body)}`).toBe(true);
}

let core: Harness;
let anon: Client;
beforeAll(async () => {
  core = await startCore();
  anon = new Client(core.url);
});
afterAll(() => core.close());

describe('the contract itself', () => {
  it('declares the schemas this suite checks', () => {
    for (const name of ['User', 'Post', 'PostId', 'UserId', 'BirthDate']) expect(contract.components.schemas[name]).toBeDefined();
    expect(contract.components.responses['5xx'].content['application/json'].schema.required).toEqual(['message']);
  });

  it('the strict validator refuses extra properties and wrong types', () => {
    const user = ajv.compile({ $ref: 'otus#/components/schemas/User' });
    expect(user({ id: '1', first_name: 'A' })).toBe(true);
    expect(user({ id: '1', password_hash: 'x' })).toBe(false);
    expect(user({ id: 1 })).toBe(false);
    expect(user({ id: '1', birthdate: 'not a date' })).toBe(false);
    expect(user({ id: '1', first_name: null })).toBe(false);
  });
});

describe('successful responses match the contract', () => {
  it('POST /user/register → {user_id}', async () => {
    const reply = await anon.post('/user/register', { password: 'long enough' });
    expectValid(responseSchema('post', '/user/register'), reply, 'register');
    const full = await anon.post('/user/register', {
      first_name: 'Имя',
      second_name: 'Фамилия',
      birthdate: '2017-02-01',
      biography: 'Хобби, интересы и т.п.',
      city: 'Москва',
      password: 'Секретная строка',
    });
    expectValid(responseSchema('post', '/user/register'), full, 'register with a full profile');
  });

  it('POST /login → {token}', async () => {
    const { body } = await anon.post('/user/register', { password: 'long enough' });
    const reply = await anon.post('/login', { id: body.user_id, password: 'long enough' });
    expectValid(responseSchema('post', '/login'), reply, 'login');
  });

  it('GET /user/get/{id} → User, with a full and a minimal profile', async () => {
    const full = await anon.post('/user/register', {
      first_name: 'Имя',
      second_name: 'Фамилия',
      birthdate: '2017-02-01',
      biography: 'Хобби',
      city: 'Москва',
      password: 'long enough',
    });
    const minimal = await anon.post('/user/register', { password: 'long enough' });
    const validate = responseSchema('get', '/user/get/{id}');
    expectValid(validate, await anon.get(`/user/get/${full.body.user_id}`), 'full user');
    expectValid(validate, await anon.get(`/user/get/${minimal.body.user_id}`), 'minimal user');
  });

  it('GET /user/search → array of User (empty and not)', async () => {
    const first = uniqueName('Конст');
    const last = uniqueName('Оси');
    for (let i = 0; i < 3; i++) {
      await anon.post('/user/register', { first_name: first, second_name: last, birthdate: '1980-01-0' + (i + 1), city: 'Тверь', password: 'long enough' });
    }
    const validate = responseSchema('get', '/user/search');
    const found = await anon.get(`/user/search?first_name=${encodeURIComponent(first.toLowerCase())}&last_name=${encodeURIComponent(last)}`);
    expectValid(validate, found, 'search');
    expect(found.body).toHaveLength(3);
    expectValid(validate, await anon.get(`/user/search?first_name=${uniqueName()}&last_name=x`), 'empty search');
  });

  it('POST /post/create → PostId; GET /post/get/{id} → Post; GET /post/feed → array of Post', async () => {
    const alice = await anon.signUp();
    const bob = await anon.signUp();
    await bob.put(`/friend/set/${alice.userId}`);
    const created = await alice.post('/post/create', { text: 'Lorem ipsum <b>dolor</b>' });
    expectValid(responseSchema('post', '/post/create'), created, 'create');
    expect(typeof created.body).toBe('string');
    await alice.post('/post/create', { text: 'second' });

    expectValid(responseSchema('get', '/post/get/{id}'), await anon.get(`/post/get/${created.body}`), 'get post');
    const feed = await bob.get('/post/feed');
    expectValid(responseSchema('get', '/post/feed'), feed, 'feed');
    expect(feed.body).toHaveLength(2);
    expectValid(responseSchema('get', '/post/feed'), await alice.get('/post/feed'), 'empty feed');
  });

  it('PUT /friend/set, /friend/delete, /post/update, /post/delete → 200 with no body, as the contract has no content', async () => {
    for (const [method, path] of [
      ['put', '/friend/set/{user_id}'],
      ['put', '/friend/delete/{user_id}'],
      ['put', '/post/update'],
      ['put', '/post/delete/{id}'],
    ] as const) {
      expect(contract.paths[path][method].responses['200'].content).toBeUndefined();
    }
    const alice = await anon.signUp();
    const bob = await anon.signUp();
    const id = (await alice.post('/post/create', { text: 'x' })).body;
    for (const reply of [await alice.put(`/friend/set/${bob.userId}`), await alice.put(`/friend/delete/${bob.userId}`), await alice.put('/post/update', { id, text: 'y' }), await alice.put(`/post/delete/${id}`)]) {
      expect(reply.status).toBe(200);
      expect(reply.body).toBe('');
    }
  });
});

describe('error bodies match the contract 5xx schema, with request_id and code', () => {
  it('400, 401, 403, 404, 413 and 415', async () => {
    const alice = await anon.signUp();
    const mallory = await anon.signUp();
    const id = (await alice.post('/post/create', { text: 'x' })).body;
    expectContractError(await anon.get('/user/get/abc'), 404, Codes.notFound);
    expectContractError(await anon.get('/post/feed?offset=0.5'), 401, Codes.unauthorized);
    expectContractError(await alice.get('/post/feed?offset=0.5'), 400, Codes.invalidInput);
    expectContractError(await anon.post('/user/register', {}), 400, Codes.invalidInput);
    expectContractError(await anon.get('/post/feed'), 401, Codes.unauthorized);
    expectContractError(await mallory.put(`/post/delete/${id}`), 403, Codes.forbidden);
    expectContractError(await anon.get('/user/get/9223372036854775807'), 404, Codes.notFound);
    expectContractError(await anon.get('/no/such/route'), 404, Codes.notFound);
    expectContractError(
      await raw(core.url, 'POST', '/user/register', {
        body: JSON.stringify({ password: 'x'.repeat(core.config.BODY_LIMIT_BYTES + 10) }),
        headers: { 'content-type': 'application/json' },
      }),
      413,
      Codes.payloadTooLarge,
    );
    expectContractError(await raw(core.url, 'POST', '/user/register', { body: '{}', headers: { 'content-type': 'application/json; charset=koi8-r' } }), 415, Codes.unsupportedMediaType);
  });

  it('429', async () => {
    const limited = await startCore({ LOGIN_FAILURES_PER_IP: '1', RATE_LIMIT_EXEMPT: '' }); // this host is counted too
    try {
      const client = new Client(limited.url);
      await client.post('/login', { id: '1', password: 'x' });
      expectContractError(await client.post('/login', { id: '1', password: 'x' }), 429, Codes.rateLimited);
    } finally {
      await limited.close();
    }
  });

  it('503 with Retry-After when the database is unreachable', async () => {
    const broken = await startCore({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/unreachable' });
    try {
      const client = new Client(broken.url);
      const reply = await client.get('/user/get/1');
      expectContractError(reply, 503, Codes.unavailable);
      const retryAfter = reply.headers.get('retry-after');
      expect(retryAfter).toMatch(/^[0-9]+$/);
      // The contract types Retry-After as an integer.
      const header = contract.components.responses['5xx'].headers['Retry-After'];
      expect(ajv.validate(header.schema, Number(retryAfter))).toBe(true);
      expectContractError(await client.post('/user/register', { password: 'long enough' }), 503, Codes.unavailable);
      expect((await client.get('/health')).status).toBe(503);
    } finally {
      await broken.close();
    }
  });
});
