// A small REST client for tests: what a user of the API would send.
export interface Reply<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export class Client {
  constructor(
    readonly baseUrl: string,
    public token?: string,
  ) {}

  // Tests read answers of every endpoint field by field; `any` is the default on purpose.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const init: RequestInit = { method, headers: { ...headers } };
    if (this.token) (init.headers as Record<string, string>).authorization = `Bearer ${this.token}`;
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.baseUrl + path, init);
    const text = await res.text();
    let parsed: unknown = text;
    if (text && (res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  post<T = any>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body);
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  put<T = any>(path: string, body?: unknown) {
    return this.request<T>('PUT', path, body);
  }

  /** Registers a user and logs in as them; returns a client holding their token. */
  async signUp(profile: Record<string, string> = {}, password = 'correct horse battery'): Promise<Client & { userId: string }> {
    const reg = await this.post<{ user_id: string }>('/user/register', { ...profile, password });
    if (reg.status !== 200) throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.body)}`);
    const login = await this.post<{ token: string }>('/login', { id: reg.body.user_id, password });
    if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
    return Object.assign(new Client(this.baseUrl, login.body.token), { userId: reg.body.user_id });
  }
}
