import type { DesiredState } from '../config/types.js';
import type { SlotView } from '../machines/types.js';
import { profileOf } from '../config/pool.js';
import { actionSession, type Action } from './actions.js';
import type { Snapshot } from './snapshot.js';
import { warmUps } from './warm.js';

/**
 * Pure, the prewarm part of plan(): idle slots left over start agents ahead of the next tasks, up to
 * pool.prewarm warm at once; a slot created by this plan warms right after its creation, so one pass does
 * what it can. A slot being made or left idle by actions still running may be starting a warm agent: it
 * counts as one until they end. A warm agent counts until it has its task: one claimed by this plan is
 * replaced by the next pass, so never more than pool.prewarm agents wait at once, not even for a moment.
 * More agents warm than pool.prewarm allows now (it was lowered): the last ones are stopped, those still
 * starting first. A warm slot with actions running or planned is left out (they may be stopping it already).
 */
export function planWarm(
  d: DesiredState,
  snap: Snapshot,
  views: ReadonlyMap<string, SlotView>,
  o: { wanted: readonly string[]; idle: readonly string[]; inFlight: ReadonlySet<string>; planned: readonly Action[] },
): Action[] {
  const { wanted, inFlight } = o;
  const out: Action[] = [];
  const state = (name: string) => views.get(name)?.state ?? 'absent';
  if (!snap.agentMissing && d.pool.prewarm > 0) {
    const warm = wanted.flatMap((name) => {
      const v = views.get(name);
      return v && (v.state === 'warming' || v.state === 'ready') ? [v.warm] : [];
    });
    const unknown = wanted.filter((name) => inFlight.has(name) && ['absent', 'idle'].includes(state(name))).length;
    for (const w of warmUps(d, o.idle, warm, unknown)) out.push({ kind: 'warm-agent', ...w });
  }
  const warmSlots = wanted.filter((name) => ['warming', 'ready'].includes(state(name)) && !inFlight.has(name) && ![...o.planned, ...out].some((a) => actionSession(a) === name));
  const byLast = [...warmSlots].reverse().sort((a, b) => Number(state(a) === 'ready') - Number(state(b) === 'ready'));
  for (const session of byLast.slice(0, Math.max(0, warmSlots.length - d.pool.prewarm))) {
    const verdict = { outcome: 'done' as const, reason: `more agents are warm than pool.prewarm (${d.pool.prewarm}) keeps` };
    out.push({ kind: 'stop-agent', session, agent: profileOf(d, views.get(session)!.agent).name, task: null, verdict, disposition: 'done', refundAttempt: false, notBefore: 0, cooldownUntil: snap.now });
  }
  return out;
}
