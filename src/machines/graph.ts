import { sessionMachine } from './session-machine.js';
import { STATE_LABEL } from './types.js';

/** One arrow of the chart: between machine state keys, named by its event (`timer` for a delay). */
export interface Edge {
  from: string;
  to: string;
  label: string;
}

/**
 * The slot machine's transitions, read from the machine definition itself so no picture of it can drift
 * from the code. Timer transitions are `timer`, as in the logs.
 */
export function machineEdges(): Edge[] {
  const edges: Edge[] = [];
  const seen = new Set<string>();
  for (const [from, node] of Object.entries(sessionMachine.root.states)) {
    for (const [event, transitions] of node.transitions) {
      for (const t of transitions) {
        for (const target of t.target ?? []) {
          const edge = { from, to: target.key, label: event.startsWith('xstate.after') ? 'timer' : event };
          const key = `${edge.from} ${edge.to} ${edge.label}`;
          if (!seen.has(key)) edges.push(edge);
          seen.add(key);
        }
      }
    }
  }
  return edges;
}

/** The chart as a Mermaid state diagram (a Markdown file on GitHub draws it). */
export function machineGraph(): string {
  const lines = ['stateDiagram-v2'];
  // Mermaid ids cannot hold '-': ids are the machine's keys, labels the names users see in logs.
  for (const [key, label] of Object.entries(STATE_LABEL)) if (key !== label) lines.push(`  state "${label}" as ${key}`);
  lines.push('  [*] --> absent');
  for (const e of machineEdges()) lines.push(`  ${e.from} --> ${e.to}: ${e.label}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The chart as an SVG image a person opens in a browser, drawn here with no layout engine: the states on
 * a ring in the order of a slot's life, one arrow per pair of states with its events, a loop for an event
 * that keeps the state.
 */
export function machineSvg(): string {
  const states = Object.keys(STATE_LABEL);
  const [W, H, R, BW, BH] = [960, 760, 290, 150, 34];
  const at = new Map(states.map((s, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / states.length;
    return [s, { x: W / 2 + R * Math.cos(a), y: H / 2 + R * Math.sin(a) }] as const;
  }));
  const byPair = new Map<string, Edge[]>();
  for (const e of machineEdges()) byPair.set(`${e.from}>${e.to}`, [...(byPair.get(`${e.from}>${e.to}`) ?? []), e]);
  const out: string[] = [];
  for (const edges of byPair.values()) {
    const { from, to } = edges[0]!;
    const a = at.get(from)!;
    const b = at.get(to)!;
    const label = esc(edges.map((e) => e.label).join(', '));
    if (from === to) {
      out.push(`<path d="M${a.x - 20},${a.y - BH / 2} C${a.x - 40},${a.y - 80} ${a.x + 40},${a.y - 80} ${a.x + 20},${a.y - BH / 2}" class="edge"/>`);
      out.push(`<text x="${a.x}" y="${a.y - 72}" class="label">${label}</text>`);
      continue;
    }
    // A pair with arrows both ways: each bends to its own side.
    const back = byPair.has(`${to}>${from}`) ? 1 : 0;
    const [dx, dy] = [b.x - a.x, b.y - a.y];
    const len = Math.hypot(dx, dy);
    const [ux, uy] = [dx / len, dy / len];
    const cut = (BW / 2) * Math.abs(ux) + (BH / 2) * Math.abs(uy) + 4;
    const [sx, sy, ex, ey] = [a.x + ux * cut, a.y + uy * cut, b.x - ux * cut, b.y - uy * cut];
    const bend = back * 36;
    const [cx, cy] = [(sx + ex) / 2 - uy * bend, (sy + ey) / 2 + ux * bend];
    out.push(`<path d="M${f(sx)},${f(sy)} Q${f(cx)},${f(cy)} ${f(ex)},${f(ey)}" class="edge"/>`);
    out.push(`<text x="${f((sx + 2 * cx + ex) / 4)}" y="${f((sy + 2 * cy + ey) / 4)}" class="label">${label}</text>`);
  }
  for (const s of states) {
    const p = at.get(s)!;
    out.push(`<rect x="${f(p.x - BW / 2)}" y="${f(p.y - BH / 2)}" width="${BW}" height="${BH}" rx="10" class="state"/>`);
    out.push(`<text x="${f(p.x)}" y="${f(p.y + 5)}" class="name">${esc(STATE_LABEL[s as keyof typeof STATE_LABEL])}</text>`);
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    '<title>agentpool: the session state machine</title>',
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    '<style>.edge{fill:none;stroke:#555;stroke-width:1.4;marker-end:url(#arrow)}.state{fill:#eef4ff;stroke:#3b6fd8;stroke-width:1.5}',
    '.name{font-size:15px;text-anchor:middle;fill:#123}.label{font-size:11px;text-anchor:middle;fill:#333;paint-order:stroke;stroke:#fff;stroke-width:4px}</style>',
    '<rect width="100%" height="100%" fill="#fff"/>',
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

function f(n: number): string {
  return n.toFixed(1);
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
