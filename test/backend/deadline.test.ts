import { afterEach, describe, expect, it, vi } from 'vitest';
import { withDeadline } from '../../src/backend/deadline.js';
import { BackendError } from '../../src/backend/session-backend.js';
import { FakeBackend } from '../helpers/fake-backend.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('withDeadline', () => {
  it('fails a call the backend never answers, with what it was doing, once its deadline passes', async () => {
    vi.useFakeTimers();
    const fake = new FakeBackend();
    fake.list = () => new Promise(() => {}); // a host that never answers
    const b = withDeadline(fake, 5_000);
    const call = b.list().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(4_999);
    let settled = false;
    void call.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const err = await call;
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ kind: 'timeout', message: 'fake backend: listing the sessions got no answer within 5 s' });
  });

  it('passes answers and errors through, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    const fake = new FakeBackend();
    const b = withDeadline(fake, 5_000);
    const ref = await b.create('ccl-auto-1', { pool: 'ccl-auto-' });
    expect((await b.list()).map((s) => [s.name, s.tags.pool])).toEqual([['ccl-auto-1', 'ccl-auto-']]);
    await expect(b.destroy('no-such-ref')).rejects.toThrow(/no fake session/);
    await b.destroy(ref);
    expect(vi.getTimerCount()).toBe(0);
  });
});
