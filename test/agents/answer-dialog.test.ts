import { describe, expect, it } from 'vitest';
import { answerDialog, type PaneIO } from '../../src/agents/answer-dialog.js';
import { SHIPPED_PROFILES } from '../../src/config/profiles.js';

/** A pane showing a menu that moves its cursor on Up/Down and closes on Enter, as a real CLI does. */
function menuPane(options: string[], cursor = 0, o: { numbered?: boolean; lagReads?: number } = {}) {
  let closed: string | null = null;
  let lag = 0;
  const keys: string[] = [];
  const draw = () =>
    closed !== null
      ? `chose ${closed}\n────────\n❯ \n────────`
      : [' Quick safety check: Is this a project you created or one you trust?', '', ...options.map((t, i) => ` ${i === cursor ? '❯' : ' '} ${o.numbered ? `${i + 1}. ` : ''}${t}`), '', ' Enter to confirm · Esc to cancel'].join('\n');
  let shown = draw();
  const pane: PaneIO = {
    async capture() {
      // A redraw can lag a key by a read or two.
      if (lag > 0) lag--;
      else shown = draw();
      return shown;
    },
    async sendKeys(k) {
      keys.push(...k);
      for (const key of k) {
        if (key === 'Down') cursor = Math.min(options.length - 1, cursor + 1);
        else if (key === 'Up') cursor = Math.max(0, cursor - 1);
        else if (key === 'Enter') closed = options[cursor]!;
      }
      lag = o.lagReads ?? 0;
    },
  };
  return { pane, keys, chosen: () => closed };
}

const trust = SHIPPED_PROFILES.claude!.answers.find((a) => a.name === 'trust-folder')!;
const fast = { settleMs: 200, stepMs: 200, pollMs: 1, steadyMs: 0 };

describe('answerDialog', () => {
  it('walks down to the option named and confirms it (2.1.330: "No, exit" first)', async () => {
    const m = menuPane(['No, exit', 'Yes, I trust this folder']);
    expect(await answerDialog(m.pane, trust, fast)).toEqual({ gone: true, keys: ['Down', 'Enter'] });
    expect(m.chosen()).toBe('Yes, I trust this folder');
  });

  it('confirms at once when the cursor is already there (2.1.197: numbered, "Yes" first)', async () => {
    const m = menuPane(['Yes, I trust this folder', 'No, exit'], 0, { numbered: true });
    expect(await answerDialog(m.pane, trust, fast)).toEqual({ gone: true, keys: ['Enter'] });
    expect(m.chosen()).toBe('Yes, I trust this folder');
  });

  it('walks up, and waits for each move to show before the next key', async () => {
    const m = menuPane(['Yes, I trust this folder', 'Maybe', 'No, exit'], 2, { lagReads: 2 });
    expect(await answerDialog(m.pane, trust, fast)).toEqual({ gone: true, keys: ['Up', 'Up', 'Enter'] });
    expect(m.chosen()).toBe('Yes, I trust this folder');
  });

  it('sends nothing when the option asked for is not on screen: a blind Enter could be "No, exit"', async () => {
    const m = menuPane(['No, exit', 'Yes, I trust this folder']);
    const r = await answerDialog(m.pane, { ...trust, choose: 'Trust and remember' }, fast);
    expect(r).toEqual({ gone: false, keys: [], problem: 'the option "Trust and remember" is not on screen (options: "No, exit", "Yes, I trust this folder")' });
    expect(m.keys).toEqual([]);
  });

  it('sends plain keys for an answer that has no option to choose', async () => {
    const m = menuPane(['No, exit', 'Yes, I trust this folder']);
    const r = await answerDialog(m.pane, { name: 'escape', match: 'Quick safety check', keys: ['Down', 'Enter'] }, fast);
    expect(r).toEqual({ gone: true, keys: ['Down', 'Enter'] });
  });

  it('waits for the dialog to hold still before the first key (2.1.330 refuses keys in its first ~150 ms)', async () => {
    const m = menuPane(['No, exit', 'Yes, I trust this folder']);
    let reads = 0;
    const drawing = { ...m.pane, capture: async () => (++reads <= 2 ? `still drawing ${reads}` : m.pane.capture()) };
    const found = { ...trust, match: 'still drawing|Quick safety check' };
    const r = await answerDialog(drawing, found, { ...fast, steadyMs: 5 });
    expect(r).toEqual({ gone: true, keys: ['Down', 'Enter'] });
    expect(reads).toBeGreaterThan(4);
  });
});
