// The fleet page (issue 28): its controllers from what each publishes to Redis (a silent one shows as gone),
// their sessions, and the shared queues by state and priority. Text only.
'use strict';

async function refresh() {
  const r = await (await fetch('/api/fleet')).json();
  if (r.error) {
    document.getElementById('summary').textContent = r.error;
    return;
  }
  const v = r.view;
  document.getElementById('summary').textContent = `fleet on ${r.where}: ${v.hosts.filter((h) => h.status).length} controllers up, ${v.hosts.filter((h) => !h.status).length} gone`;
  fillRows('#hosts', v.hosts.map((h) => {
    const s = h.status;
    const busy = s ? s.slots.filter((x) => x.task !== null).length : 0;
    return [{ 'data-host': h.host }, [h.host, s ? s.role : 'gone', ago(r.at - h.lastSeen), s ? `${busy}/${s.slots.length}` : '', s ? s.jobs : '', s ? s.queues.join(', ') : '']];
  }));
  fillRows('#fleet-sessions', v.hosts.flatMap((h) => (h.status ? h.status.slots : []).map((x) => [{ 'data-host': h.host, 'data-session': x.session }, [h.host, x.session, x.state, x.task || '']])));
  fillRows('#queues', v.queues.map((q) => [{ 'data-queue': q.queue }, [q.queue, q.waiting, Object.entries(q.byPriority).map(([p, n]) => `${p} ${n}`).join(', '), q.active, q.delayed, q.completed, q.failed, q.pausedUntil ? `paused until ${new Date(q.pausedUntil).toLocaleTimeString()}` : '']]));
}

refresh();
setInterval(refresh, 2000);
