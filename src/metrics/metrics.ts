import type { FleetView } from '../fleet/engine.js';
import type { AttemptUsage } from '../costs/usage.js';
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PRIORITIES, type DesiredState } from '../config/types.js';
import { SLOT_STATES, STATE_LABEL, type SlotView } from '../machines/types.js';
import { gate, WAIT_KINDS } from '../tasks/gate.js';
import type { ProjectQueue } from '../tasks/scan.js';
import type { DepState } from '../tasks/deps.js';

/** What the gauges read of a pass's snapshot. */
export interface QueueView {
  queues: readonly ProjectQueue[];
  deps?: ReadonlyMap<string, DepState>;
  now: number;
}
import { projectName } from '../tasks/task-id.js';

/**
 * The controller's Prometheus metrics (prom-client, on a registry of its own): what a dashboard or an
 * alert needs about a pool. Gauges are set from each pass's snapshot; counters and histograms are fed by
 * the controller as things happen (TaskEvents below). Served by `listen()` on controller.metrics.
 */
export interface TaskEvents {
  /** A task reached its agent: seconds since it arrived in the inbox. */
  submitted(latencySeconds: number): void;
  /** An attempt ended: done, failed (for good), retried or cancelled; with the attempts it took. */
  finished(outcome: 'done' | 'failed' | 'retried' | 'cancelled', attempts: number): void;
  /** Something went wrong that the log reports as an error (kind: action, pass, status-file, ...). */
  error(kind: string): void;
  /** What an ended attempt consumed (src/costs/), by its project and agent profile. */
  consumed?(project: string, agent: string, usage: AttemptUsage): void;
}

export class Metrics implements TaskEvents {
  readonly registry = new Registry();
  private readonly sessions = new Gauge({ name: 'agentpool_sessions', help: 'Pool sessions by state.', labelNames: ['state'], registers: [this.registry] });
  private readonly queue = new Gauge({ name: 'agentpool_queue_depth', help: 'Tasks waiting (inbox, and queued for a retry) by project and priority.', labelNames: ['project', 'priority'], registers: [this.registry] });
  private readonly waiting = new Gauge({ name: 'agentpool_tasks_waiting', help: 'Queued tasks that cannot start yet, by project and reason: after (a task they wait for), limit (the project\'s maxConcurrent), not-before (their schedule), retry (a retry\'s backoff).', labelNames: ['project', 'reason'], registers: [this.registry] });
  private readonly active = new Gauge({ name: 'agentpool_tasks_active', help: 'Tasks in active/ by project.', labelNames: ['project'], registers: [this.registry] });
  private readonly latency = new Histogram({
    name: 'agentpool_dispatch_latency_seconds', help: 'From a task arriving in the inbox to its agent taking the prompt.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600], registers: [this.registry],
  });
  private readonly finishedTotal = new Counter({ name: 'agentpool_tasks_finished_total', help: 'Task attempts that ended, by outcome.', labelNames: ['outcome'], registers: [this.registry] });
  private readonly attempts = new Histogram({ name: 'agentpool_task_attempts', help: 'Attempts a task took, when it ended for good.', buckets: [1, 2, 3, 5, 10], registers: [this.registry] });
  private readonly transitions = new Counter({ name: 'agentpool_transitions_total', help: 'Session state machine transitions.', labelNames: ['from', 'to'], registers: [this.registry] });
  private readonly passes = new Histogram({ name: 'agentpool_pass_duration_seconds', help: 'How long a reconcile pass took (observe, plan, task-only actions).', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registers: [this.registry] });
  private readonly reloads = new Counter({ name: 'agentpool_config_reloads_total', help: 'Config reloads, by result.', labelNames: ['result'], registers: [this.registry] });
  private readonly fleetHosts = new Gauge({ name: 'agentpool_fleet_controllers', help: 'Fleet mode: the controllers of the fleet, by state (up: their status is current; gone).', labelNames: ['state'], registers: [this.registry] });
  private readonly fleetJobs = new Gauge({ name: 'agentpool_fleet_queue_jobs', help: 'Fleet mode: jobs in each queue of the fleet, by state.', labelNames: ['queue', 'state'], registers: [this.registry] });
  private readonly fleetHeld = new Gauge({ name: 'agentpool_fleet_jobs_held', help: 'Fleet mode: the jobs this controller runs as a host.', registers: [this.registry] });
  private readonly tokensTotal = new Counter({ name: 'agentpool_tokens_total', help: 'Tokens the agents consumed, by project, model, agent profile and kind (input, output, cache_write_5m, cache_write_1h, cache_read).', labelNames: ['project', 'model', 'agent', 'kind'], registers: [this.registry] });
  private readonly costTotal = new Counter({ name: 'agentpool_cost_total', help: 'What the agents consumed at the price table\'s prices (USD), by project, model and agent profile; models without a price are not in it.', labelNames: ['project', 'model', 'agent'], registers: [this.registry] });
  private readonly errors = new Counter({ name: 'agentpool_errors_total', help: 'Errors the controller logged, by kind.', labelNames: ['kind'], registers: [this.registry] });
  /** The address asked for (host:port, or none) and the server on it. */
  private wanted: string | null = null;
  private server: Server | null = null;
  private collecting = false;

  constructor() {
    for (const r of ['ok', 'refused']) this.reloads.inc({ result: r }, 0);
    for (const o of ['done', 'failed', 'retried', 'cancelled']) this.finishedTotal.inc({ outcome: o }, 0);
  }

  /**
   * The gauges, from a pass (its snapshot's queues and its slots): every state and every project's
   * priorities, zeros included.
   */
  observePass(d: DesiredState, snap: QueueView, views: Iterable<SlotView>, seconds: number): void {
    this.passes.observe(seconds);
    const byState = new Map<string, number>(SLOT_STATES.map((s) => [STATE_LABEL[s], 0]));
    for (const v of views) byState.set(STATE_LABEL[v.state], (byState.get(STATE_LABEL[v.state]) ?? 0) + 1);
    for (const [state, n] of byState) this.sessions.set({ state }, n);
    this.queue.reset();
    this.active.reset();
    this.waiting.reset();
    const waits = gate(d, { queues: snap.queues, deps: snap.deps ?? new Map(), now: snap.now }).waiting;
    for (const q of snap.queues) {
      const project = projectName(d, q.project);
      for (const priority of PRIORITIES) this.queue.set({ project, priority }, q.pending.filter((t) => t.priority === priority).length);
      this.active.set({ project }, q.active.length);
      const reasons = new Map<string, number>(WAIT_KINDS.map((k) => [k, 0]));
      for (const t of q.pending) {
        const w = waits.get(t.path);
        if (w) reasons.set(w.kind, reasons.get(w.kind)! + 1);
      }
      for (const [reason, n] of reasons) this.waiting.set({ project, reason }, n);
    }
  }

  transition(from: string, to: string): void {
    this.transitions.inc({ from, to });
  }

  reload(ok: boolean): void {
    this.reloads.inc({ result: ok ? 'ok' : 'refused' });
  }

  submitted(latencySeconds: number): void {
    this.latency.observe(Math.max(0, latencySeconds));
  }

  finished(outcome: 'done' | 'failed' | 'retried' | 'cancelled', attempts: number): void {
    this.finishedTotal.inc({ outcome });
    if (outcome !== 'retried') this.attempts.observe(attempts);
  }

  error(kind: string): void {
    this.errors.inc({ kind });
  }

  consumed(project: string, agent: string, usage: AttemptUsage): void {
    for (const [model, t] of Object.entries(usage.byModel)) {
      const kinds = { input: t.input, output: t.output, cache_write_5m: t.cacheWrite5m, cache_write_1h: t.cacheWrite1h, cache_read: t.cacheRead };
      for (const [kind, n] of Object.entries(kinds)) if (n > 0) this.tokensTotal.inc({ project, model, agent, kind }, n);
      if (t.cost !== null) this.costTotal.inc({ project, model, agent }, t.cost);
    }
  }

  /** The fleet as this controller last read it from Redis. */
  fleet(view: FleetView, held: number): void {
    this.fleetHosts.set({ state: 'up' }, view.hosts.filter((h) => h.status).length);
    this.fleetHosts.set({ state: 'gone' }, view.hosts.filter((h) => !h.status).length);
    this.fleetJobs.reset();
    for (const q of view.queues) {
      for (const state of ['waiting', 'active', 'delayed', 'completed', 'failed'] as const) this.fleetJobs.set({ queue: q.queue, state }, q[state]);
    }
    this.fleetHeld.set(held);
  }

  /**
   * Serves /metrics on `at`, and only there: a changed address (a reload) closes the old server and opens
   * the new one; null closes it. A port that cannot be had is logged, and the controller runs on without.
   */
  async listen(at: { host: string; port: number } | null, log: Logger): Promise<void> {
    const key = at ? `${at.host}:${at.port}` : null;
    if (key === this.wanted) return;
    this.wanted = key;
    const old = this.server;
    this.server = null;
    if (old) await new Promise((r) => old.close(r));
    if (!at) return;
    const server = await this.serve(at, log);
    // Asked for another address (or none) meanwhile: this one is not wanted any more.
    if (server && this.wanted !== key) server.close();
    else this.server = server;
  }

  private serve(at: { host: string; port: number }, log: Logger): Promise<Server | null> {
    // The process's own metrics watch the event loop and the GC: only for a controller that serves them.
    if (!this.collecting) collectDefaultMetrics({ register: this.registry, prefix: 'agentpool_' });
    this.collecting = true;
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('agentpool serves /metrics only\n');
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
      );
    });
    return new Promise((resolve) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        log.error({ host: at.host, port: at.port, err: err.message }, `cannot serve metrics on ${at.host}:${at.port} (${err.code}); the controller runs without them`);
        resolve(null);
      });
      server.listen(at.port, at.host, () => {
        log.info({ url: `http://${at.host.includes(':') ? `[${at.host}]` : at.host}:${at.port}/metrics` }, 'serving metrics');
        resolve(server);
      });
    });
  }
}
