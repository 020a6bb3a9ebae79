import type { Logger } from 'pino';
import type { DesiredState } from '../config/types.js';
import type { SlotView } from '../machines/types.js';
import type { Metrics, QueueView, TaskEvents } from './metrics.js';
import type { FleetView } from '../fleet/engine.js';
import type { AttemptUsage } from '../costs/usage.js';

/**
 * The controller's metrics, loaded only for a controller that serves them (controller.metrics): prom-client
 * costs a start ~0.1 s of CPU, which most controllers, and every test that starts one, need not pay. The
 * counters count from the moment the metrics are first served.
 */
export class LazyMetrics implements TaskEvents {
  private inner: Metrics | null = null;

  /** Loads the metrics, so that they count from now (a controller whose config serves them, as it starts). */
  async load(): Promise<void> {
    this.inner ??= new (await import('./metrics.js')).Metrics();
  }

  /** Serves /metrics on `at` (loading the metrics the first time), or stops serving them (null). */
  async listen(at: { host: string; port: number } | null, log: Logger): Promise<void> {
    if (at) await this.load();
    await this.inner?.listen(at, log);
  }

  observePass(d: DesiredState, snap: QueueView, views: Iterable<SlotView>, seconds: number): void {
    this.inner?.observePass(d, snap, views, seconds);
  }

  transition(from: string, to: string): void {
    this.inner?.transition(from, to);
  }

  reload(ok: boolean): void {
    this.inner?.reload(ok);
  }

  submitted(latencySeconds: number): void {
    this.inner?.submitted(latencySeconds);
  }

  finished(outcome: 'done' | 'failed' | 'retried' | 'cancelled', attempts: number): void {
    this.inner?.finished(outcome, attempts);
  }

  error(kind: string): void {
    this.inner?.error(kind);
  }

  consumed(project: string, agent: string, usage: AttemptUsage): void {
    this.inner?.consumed(project, agent, usage);
  }

  fleet(view: FleetView, held: number): void {
    this.inner?.fleet(view, held);
  }
}
