import { describe, it, expect } from 'vitest';
import { SHIPPED_PROFILES } from '../../src/config/profiles.js';
import { HEAD, valueOf, yaml } from './helpers.js';

const claude = SHIPPED_PROFILES.claude!;

describe('agent profiles from the config', () => {
  it('overrides one screen key of a shipped profile and keeps the others', () => {
    const v = valueOf(yaml(...HEAD, 'agents:', '  claude:', '    screen:', '      busy: [working]', '    models: {low: haiku}'));
    const p = v.agents.claude!;
    expect(p.screen).toEqual({ ...claude.screen, busy: ['working'] });
    expect(p.models).toEqual({ ...claude.models, low: 'haiku' });
    expect(p.command).toEqual(claude.command);
  });

  it('builds a new profile on its extends base, in file order', () => {
    const text = yaml(
      ...HEAD,
      'agents:',
      '  base:',
      '    extends: claude',
      '    exit: {timeout: 9s}',
      '    env: {A: "1"}',
      '  child:',
      '    extends: base',
      '    command: [my-agent, "{model}"]',
      '    env: {B: "2"}',
      '    promptTimeout: 1m',
    );
    const { child, base } = valueOf(text).agents;
    expect(base!.exit).toEqual({ ...claude.exit, timeoutMs: 9_000 });
    expect(child).toMatchObject({
      name: 'child',
      command: ['my-agent', '{model}'],
      env: { A: '1', B: '2' },
      driver: 'claude-hooks',
      exit: { text: '/exit', keys: ['Enter'], timeoutMs: 9_000 },
      promptTimeoutMs: 60_000,
      screen: claude.screen,
    });
  });

  it('bases a new name without extends on generic', () => {
    const v = valueOf(yaml(...HEAD, 'agents:', '  mine: {command: [run-it], done: idle}'));
    expect(v.agents.mine).toEqual({ ...SHIPPED_PROFILES.generic, name: 'mine', command: ['run-it'], done: 'idle' });
  });

  it('never hands out the shipped objects themselves', () => {
    const v = valueOf(yaml(...HEAD));
    v.agents.claude!.screen.busy.push('mutated');
    expect(claude.screen.busy).not.toContain('mutated');
  });
});
