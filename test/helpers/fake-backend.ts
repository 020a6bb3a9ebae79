import type { BackendSession, Program, Repair, SessionBackend, SlotTags } from '../../src/backend/session-backend.js';
import { TAG_NAMES } from '../../src/backend/session-backend.js';

/** One session of the in-memory backend. */
export interface FakeSession {
  name: string;
  ref: string;
  tags: SlotTags;
  process: { dead: boolean; status: number | null; signal: number | null };
  /** The program running: null for the idle program. */
  program: Program | null;
  screen: string;
}

/**
 * An in-memory SessionBackend for unit tests of the act side: no processes. Every call is recorded in
 * `calls`; what a program does with text and keys is up to `onText` and `onKeys` (by default nothing).
 */
export class FakeBackend implements SessionBackend {
  readonly label = 'fake backend';
  readonly sessions = new Map<string, FakeSession>();
  readonly calls: string[] = [];
  private next = 1;
  onText: (s: FakeSession, text: string) => void = () => {};
  onKeys: (s: FakeSession, keys: readonly string[]) => void = () => {};
  /** When set, `start` fails with it (after recording the call). */
  startError: Error | null = null;
  /** When set, `list` fails with it: a host that refuses or does not answer. */
  listError: Error | null = null;
  /** What a repair does; by default a restart clears the host (its sessions go, and it answers again). */
  onRepair: (how: Repair) => string[] = (how) => {
    if (how !== 'restart') return [];
    this.sessions.clear();
    this.listError = null;
    return ['restarted the fake host'];
  };

  async list(): Promise<BackendSession[]> {
    this.calls.push('list');
    if (this.listError) throw this.listError;
    return [...this.sessions.values()].map((s) => ({ name: s.name, ref: s.ref, tags: { ...s.tags }, process: { ...s.process }, createdHere: true }));
  }

  async repair(how: Repair): Promise<string[]> {
    this.calls.push(`repair ${how}`);
    return this.onRepair(how);
  }

  /** Ends the fake host: its sessions go. */
  async endHost(): Promise<void> {
    this.calls.push('end host');
    this.sessions.clear();
  }

  async create(name: string, tags: Partial<SlotTags>): Promise<string> {
    this.calls.push(`create ${name}`);
    const ref = `fake-${this.next++}`;
    const empty = Object.fromEntries(TAG_NAMES.map((t) => [t, ''])) as unknown as SlotTags;
    this.sessions.set(ref, { name, ref, tags: { ...empty, ...tags }, process: { dead: false, status: null, signal: null }, program: null, screen: 'idle' });
    return ref;
  }

  async destroy(ref: string): Promise<void> {
    this.calls.push(`destroy ${this.get(ref).name}`);
    this.sessions.delete(ref);
  }

  async start(ref: string, program: Program): Promise<void> {
    const s = this.get(ref);
    this.calls.push(`start ${s.name} ${program.argv.join(' ')}`);
    if (this.startError) throw this.startError;
    Object.assign(s, { program, process: { dead: false, status: null, signal: null } });
  }

  async rest(ref: string): Promise<void> {
    const s = this.get(ref);
    this.calls.push(`rest ${s.name}`);
    Object.assign(s, { program: null, process: { dead: false, status: null, signal: null }, screen: 'idle' });
  }

  async deliver(ref: string, pieces: readonly string[]): Promise<void> {
    const s = this.get(ref);
    for (const text of pieces) {
      this.calls.push(`deliver ${s.name} ${JSON.stringify(text)}`);
      this.onText(s, text);
    }
  }

  async sendKeys(ref: string, keys: readonly string[]): Promise<void> {
    const s = this.get(ref);
    this.calls.push(`keys ${s.name} ${keys.join(' ')}`);
    this.onKeys(s, keys);
  }

  async readScreen(ref: string): Promise<string> {
    return this.get(ref).screen;
  }

  async setTags(ref: string, tags: Partial<SlotTags>): Promise<void> {
    const s = this.get(ref);
    this.calls.push(`tag ${s.name} ${Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    Object.assign(s.tags, tags);
  }

  byName(name: string): FakeSession {
    const s = [...this.sessions.values()].find((x) => x.name === name);
    if (!s) throw new Error(`no fake session ${name}`);
    return s;
  }

  private get(ref: string): FakeSession {
    const s = this.sessions.get(ref);
    if (!s) throw new Error(`no fake session ${ref}`);
    return s;
  }
}
