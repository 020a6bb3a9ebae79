import { describe, expect, it } from 'vitest';
import { InFlight } from '../../src/reconciler/in-flight.js';

/** A promise and its resolve, to hold work open. */
function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}

describe('InFlight', () => {
  it('runs one piece of work per key, refuses a second while it runs, and reports when it is done', async () => {
    const f = new InFlight();
    const g = gate();
    const done: string[] = [];
    expect(f.start('a', () => g.p, () => {}, () => done.push('a'))).toBe(true);
    expect(f.start('a', async () => void done.push('second a'), () => {}, () => {})).toBe(false);
    expect(f.start('b', async () => {}, () => {}, () => done.push('b'))).toBe(true);
    expect(f.keys()).toEqual(new Set(['a', 'b']));
    await new Promise((r) => setImmediate(r));
    expect(done).toEqual(['b']);
    expect(f.has('a')).toBe(true);
    g.open();
    await f.idle();
    expect(done).toEqual(['b', 'a']);
    expect(f.keys()).toEqual(new Set());
  });

  it('gives a failure to onError and frees the key', async () => {
    const f = new InFlight();
    const errors: string[] = [];
    f.start('a', async () => {
      throw new Error('tmux went away');
    }, (e) => errors.push(e.message), () => {});
    await f.idle();
    expect(errors).toEqual(['tmux went away']);
    expect(f.has('a')).toBe(false);
  });

  it('idle() also waits for work started while it waits', async () => {
    const f = new InFlight();
    const order: string[] = [];
    f.start('a', async () => {
      order.push('a');
      f.start('b', async () => void order.push('b'), () => {}, () => {});
    }, () => {}, () => {});
    await f.idle();
    expect(order).toEqual(['a', 'b']);
  });
});
