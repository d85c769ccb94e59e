// Where the client is in its event stream: the id of the last event applied. Reconnecting with
// it gets exactly what was missed. Recent ids are remembered too, so an event seen twice (a
// replay racing a live delivery, a transport switch) is applied once. A storage (the browser's
// sessionStorage, say) keeps the position across page loads, so a reload resumes.

const REMEMBERED = 512;

/** The part of the Web Storage API the tracker uses. */
export type PositionStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export interface ResumeOptions {
  /** Start from this id (when no stored position exists). */
  from?: string | null;
  /** Keep the position under `key` in `storage`. */
  storage?: { key: string; store: PositionStorage };
}

export class ResumeTracker {
  private last: string | null;
  private readonly seen = new Set<string>();
  private readonly storage: ResumeOptions['storage'];

  constructor(options: ResumeOptions = {}) {
    this.storage = options.storage;
    this.last = this.read() ?? options.from ?? null;
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
    this.write(id);
    return true;
  }

  /** Forgets the position: the next connection starts fresh. */
  clear(): void {
    this.last = null;
    this.seen.clear();
    this.write(null);
  }

  private read(): string | null {
    try {
      return this.storage?.store.getItem(this.storage.key) ?? null;
    } catch {
      return null; // storage refused (privacy mode): start without it
    }
  }

  private write(id: string | null): void {
    if (!this.storage) return;
    try {
      if (id === null) this.storage.store.removeItem(this.storage.key);
      else this.storage.store.setItem(this.storage.key, id);
    } catch {
      // Not persisted; the position still holds for this client's life.
    }
  }
}
