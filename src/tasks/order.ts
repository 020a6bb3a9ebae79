import { PRIORITIES } from '../config/types.js';
import type { PendingTask } from './types.js';

/**
 * The next `n` tasks to dispatch: priority first (critical → low); within a priority, projects take turns,
 * least recently served first, each project's tasks oldest first. Pure; O(tasks + n log projects).
 */
export function pickTasks(
  tasks: readonly PendingTask[],
  n: number,
  now: number,
  lastServed: ReadonlyMap<string, number> = new Map(),
): PendingTask[] {
  if (n <= 0) return [];
  const picked: PendingTask[] = [];
  const served = new Map(lastServed);
  for (const priority of PRIORITIES) {
    const byProject = new Map<string, PendingTask[]>();
    for (const t of tasks) {
      if (t.priority !== priority || t.notBefore > now) continue;
      let list = byProject.get(t.project);
      if (!list) byProject.set(t.project, (list = []));
      list.push(t);
    }
    if (byProject.size === 0) continue;
    for (const list of byProject.values()) list.sort(byArrival);
    const cursor = new Map<string, number>([...byProject.keys()].map((p) => [p, 0]));
    while (picked.length < n && cursor.size > 0) {
      // The project served longest ago goes next; ties by name so the order is stable.
      let next: string | undefined;
      for (const p of cursor.keys()) {
        if (next === undefined || (served.get(p) ?? -1) < (served.get(next) ?? -1) || ((served.get(p) ?? -1) === (served.get(next) ?? -1) && p < next)) next = p;
      }
      const i = cursor.get(next!)!;
      const list = byProject.get(next!)!;
      picked.push(list[i]!);
      served.set(next!, now + picked.length);
      if (i + 1 >= list.length) cursor.delete(next!);
      else cursor.set(next!, i + 1);
    }
    if (picked.length >= n) break;
  }
  return picked;
}

function byArrival(a: PendingTask, b: PendingTask): number {
  return a.arrivedAt - b.arrivedAt || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
