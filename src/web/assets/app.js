// The pool page (issue 28): filled from /api/pool, then kept current by /api/events (server-sent events).
// Everything shown of sessions, tasks and agents is set as text (textContent), never as HTML: a task's
// name or body is the author's, an agent's output is the model's, and neither may run in this page.
'use strict';

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function ago(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : `${Math.floor(s / 3600)}h`;
}

function render(view) {
  const summary = document.getElementById('summary');
  summary.textContent = `pool ${view.pool.prefix}* · ${view.sessions.filter((s) => s.role === 'pool' && s.state !== 'absent').length}/${view.pool.desired} sessions · agent ${view.pool.agent} · ` +
    (view.controller.running ? `controller pid ${view.controller.pid}` : 'no controller running');
  const tiles = document.getElementById('sessions');
  tiles.replaceChildren(...view.sessions.map((s) => {
    const tile = el('article', { class: `tile state-${s.state}`, 'data-session': s.session, 'data-state': s.state });
    tile.append(el('h3', {}, s.session), el('p', { class: 'state' }, s.cordoned ? `${s.state} (cordoned)` : s.state));
    if (s.since) tile.append(el('p', { class: 'since' }, `for ${ago(view.at - s.since)}`));
    if (s.task) tile.append(el('p', { class: 'task' }, s.task));
    if (s.project) tile.append(el('p', { class: 'project' }, s.project));
    if (s.model) tile.append(el('p', { class: 'model' }, s.model));
    if (s.lastError) tile.append(el('p', { class: 'error' }, s.lastError));
    return tile;
  }));
  const body = document.querySelector('#tasks tbody');
  body.replaceChildren(...view.tasks.map((t) => {
    const row = el('tr', { 'data-task': t.name, 'data-state': t.state });
    for (const v of [t.project, t.state === 'active' && t.step ? `active/${t.step}` : t.state]) row.append(el('td', {}, v));
    // The task's page: its name in the link is a query value, encoded; shown as text.
    const link = el('a', { href: `/task?project=${encodeURIComponent(t.project)}&name=${encodeURIComponent(t.name)}` }, t.name);
    const cell = el('td', {});
    cell.append(link);
    row.append(cell);
    for (const v of [t.priority ?? '-', t.session ?? '', t.reason ?? '']) row.append(el('td', {}, v));
    // A logged-in page may cancel a task that waits (in the inbox, or queued for its next attempt).
    if (csrf && (t.state === 'inbox' || (t.state === 'active' && t.step === 'queued'))) {
      const button = el('button', { class: 'cancel', 'data-task': t.name }, 'cancel');
      button.addEventListener('click', () => cancel(t, button));
      const cell = el('td', {});
      cell.append(button);
      row.append(cell);
    }
    return row;
  }));
  const problems = document.getElementById('problems');
  problems.replaceChildren(...view.problems.map((p) => el('li', {}, p)));
  document.getElementById('problems-section').hidden = view.problems.length === 0;
  document.body.dataset.updated = String(view.at);
}

let csrf = null;

async function cancel(t, button) {
  button.disabled = true;
  const r = await fetch('/api/cancel', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Agentpool-CSRF': csrf }, body: JSON.stringify({ project: t.project, name: t.name }) });
  const reply = await r.json();
  button.textContent = reply.ok ? 'cancelled' : `not cancelled: ${reply.message}`;
}

async function start() {
  csrf = (await (await fetch('/api/session')).json()).csrf;
  if (csrf) document.getElementById('login').textContent = 'logged in';
  render(await (await fetch('/api/pool')).json());
  const events = new EventSource('/api/events');
  events.addEventListener('pool', (e) => render(JSON.parse(e.data)));
}

start();
