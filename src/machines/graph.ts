import { sessionMachine } from './session-machine.js';
import { STATE_LABEL } from './types.js';

/**
 * The slot machine's chart as a Mermaid state diagram, read from the machine definition itself so the
 * picture cannot drift from the code. Timer transitions show as `timer`, as in the logs.
 */
export function machineGraph(): string {
  const lines = ['stateDiagram-v2'];
  // Mermaid ids cannot hold '-': ids are the machine's keys, labels the names users see in logs.
  for (const [key, label] of Object.entries(STATE_LABEL)) if (key !== label) lines.push(`  state "${label}" as ${key}`);
  lines.push('  [*] --> absent');
  const seen = new Set<string>();
  for (const [from, node] of Object.entries(sessionMachine.root.states)) {
    for (const [event, transitions] of node.transitions) {
      for (const t of transitions) {
        for (const target of t.target ?? []) {
          const label = event.startsWith('xstate.after') ? 'timer' : event;
          const line = `  ${from} --> ${target.key}: ${label}`;
          if (!seen.has(line)) lines.push(line);
          seen.add(line);
        }
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
