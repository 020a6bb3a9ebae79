import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dialogText, findOption, menuKey, readMenu } from '../../src/agents/menu.js';

const fixture = (version: string, name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'screens', `claude-${version}`, `${name}.txt`), 'utf8');

describe('readMenu', () => {
  it('reads numbered menus of Claude Code 2.1.197 with the cursor where it is', () => {
    expect(readMenu(fixture('2.1.197', 'trust-dialog'))).toEqual({ options: ['Yes, I trust this folder', 'No, exit'], cursor: 0 });
    expect(readMenu(fixture('2.1.197', 'bypass-dialog'))).toEqual({ options: ['No, exit', 'Yes, I accept'], cursor: 0 });
    expect(readMenu(fixture('2.1.197', 'bypass-dialog-accept'))).toEqual({ options: ['No, exit', 'Yes, I accept'], cursor: 1 });
    expect(readMenu(fixture('2.1.197', 'api-key-dialog'))).toEqual({ options: ['Yes', 'No (recommended)'], cursor: 1 });
    expect(readMenu(fixture('2.1.197', 'usage-limit-menu'))).toEqual({ options: ['Stop and wait for limit to reset', 'Upgrade your plan'], cursor: 0 });
  });

  it('reads a menu without numbers, the cursor on the first option (the 2.1.330 trust question)', () => {
    const screen = [
      '─'.repeat(40),
      ' Accessing workspace:',
      '',
      ' /home/you/src/webapp',
      '',
      ' Quick safety check: Is this a project you created or one you trust?',
      '',
      ' ❯ No, exit',
      '   Yes, I trust this folder',
      '',
      ' Enter to confirm · Esc to cancel',
    ].join('\n');
    expect(readMenu(screen)).toEqual({ options: ['No, exit', 'Yes, I trust this folder'], cursor: 0 });
  });

  it('takes an option continued on deeper-indented lines as one option', () => {
    const screen = ['  Pick one:', '  ❯ 1. Alpha', '       the first letter', '    2. Beta', '', '  Esc to cancel'].join('\n');
    expect(readMenu(screen)).toEqual({ options: ['Alpha', 'Beta'], cursor: 0 });
  });

  it('sees no menu on a ready prompt: its ❯ is the input box, right under a rule', () => {
    expect(readMenu(fixture('2.1.197', 'ready'))).toBeNull();
  });
});

describe('readMenu of other CLIs', () => {
  it("reads Gemini CLI's boxed menu with its ● cursor", () => {
    const screen = [
      '╭──────────────────────────────────────────╮',
      '│ Usage limit reached for gemini-2.5-flash. │',
      '│                                          │',
      '│ ● 1. Keep trying                         │',
      '│   2. Stop                                │',
      '╰──────────────────────────────────────────╯',
    ].join('\n');
    expect(readMenu(screen)).toEqual({ options: ['Keep trying', 'Stop'], cursor: 0 });
    expect(menuKey(readMenu(screen)!, 'Stop')).toBe('Down');
  });
});

describe('menuKey', () => {
  const menu = { options: ['No, exit', 'Yes, I trust this folder', 'Later'], cursor: 0 };
  it('moves one step toward the option named by its text, and confirms only on it', () => {
    expect(menuKey(menu, 'Yes, I trust this folder')).toBe('Down');
    expect(menuKey({ ...menu, cursor: 2 }, 'Yes, I trust this folder')).toBe('Up');
    expect(menuKey({ ...menu, cursor: 1 }, 'yes,  I trust this folder')).toBe('Enter');
  });
  it('never guesses: an option that is not there gives no key', () => {
    expect(menuKey(menu, 'Yes, I accept')).toBeNull();
    expect(findOption(menu, 'Yes, I accept')).toBe(-1);
  });
});

describe('dialogText', () => {
  it('is the dialog box from its top rule down, one line per " / "', () => {
    expect(dialogText(fixture('2.1.197', 'api-key-dialog'))).toBe(
      'Detected a custom API key in your environment / ANTHROPIC_API_KEY: sk-ant-...-test-key-0000000000 / Do you want to use this API key? / 1. Yes / ❯ 2. No (recommended) / Enter to confirm · Esc to cancel',
    );
  });
  it('is cut at the length asked for', () => {
    expect(dialogText('x'.repeat(50), 10)).toBe(`${'x'.repeat(10)}…`);
  });
});
