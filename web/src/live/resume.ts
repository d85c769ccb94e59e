// Where the client is in its event stream: the id of the last event applied. Reconnecting with
// it (`?since=` on WebSocket, `?lastEventId=` on SSE) gets exactly what was missed. Recent ids
// are remembered too, so an event seen twice (a replay racing a live delivery, a transport
// switch) is applied once. Kept in sessionStorage so a reload resumes rather than resets.

const REMEMBERED = 512;

export class ResumeTracker {
  private last: string | null;
  private readonly seen = new Set<string>();

  constructor(
    private readonly storageKey?: string,
    private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined = safeSessionStorage(),
  ) {
    this.last = storageKey ? (this.storage?.getItem(storageKey) ?? null) : null;
  }

  /** The id to resume from, or null for a fresh start. */
  get lastId(): string | null {
    return this.last;
  }

  /** Records an event; false when it was already seen (the caller skips it). */
  observe(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > REMEMBERED) this.seen.delete(this.seen.values().next().value as string);
    this.last = id;
    if (this.storageKey) this.storage?.setItem(this.storageKey, id);
    return true;
  }

  /** Forgets the position: the next connection starts fresh (after a reset, or a new feed load). */
  clear(): void {
    this.last = null;
    this.seen.clear();
    if (this.storageKey) this.storage?.removeItem(this.storageKey);
  }
}

function safeSessionStorage(): Storage | undefined {
  try {
    return typeof sessionStorage === 'undefined' ? undefined : sessionStorage;
  } catch {
    return undefined;
  }
}
