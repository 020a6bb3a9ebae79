import { describe, expect, it } from 'vitest';
import { machineEdges, machineGraph, machineSvg } from '../../src/machines/graph.js';
import { STATE_LABEL } from '../../src/machines/types.js';

describe('machineGraph', () => {
  it('draws the chart from the machine itself, with the labels users see', () => {
    const g = machineGraph();
    expect(g.split('\n')[0]).toBe('stateDiagram-v2');
    expect(g).toContain('state "awaiting-prompt" as awaitingPrompt');
    for (const edge of [
      'absent --> idle: CREATED',
      'idle --> launching: CLAIMED',
      'launching --> awaitingPrompt: LAUNCHED',
      'awaitingPrompt --> working: SUBMITTED',
      'awaitingPrompt --> stopping: timer',
      'working --> stopping: AGENT_ENDED',
      'stopping --> cooldown: STOPPED',
      'cooldown --> idle: timer',
      'working --> absent: VANISHED',
    ]) expect(g).toContain(`  ${edge}\n`);
  });
});

describe('machineSvg', () => {
  it('draws every state and every transition of the machine as an image: a box per state, an arrow per pair with its events', () => {
    const svg = machineSvg();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="960" height="760"/);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const names = [...svg.matchAll(/<text [^>]*class="name">([^<]+)<\/text>/g)].map((m) => m[1]);
    expect(names).toEqual(Object.values(STATE_LABEL));
    const edges = machineEdges();
    const pairs = new Set(edges.map((e) => `${e.from}>${e.to}`));
    expect(svg.match(/class="edge"/g)).toHaveLength(pairs.size);
    const labels = [...svg.matchAll(/class="label">([^<]+)<\/text>/g)].flatMap((m) => m[1]!.split(', '));
    expect(labels.sort()).toEqual(edges.map((e) => e.label).sort());
    // Every box inside the picture.
    for (const m of svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="150" height="34"/g)) {
      expect(Number(m[1]) >= 0 && Number(m[1]) + 150 <= 960 && Number(m[2]) >= 0 && Number(m[2]) + 34 <= 760).toBe(true);
    }
  });
});
