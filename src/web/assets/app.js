// The pool page (issue 28): the whole pool from /api/events (server-sent events), then only what changed,
// each tile and row updated in place; the screens of the tiles in view, live (screens.js). Text only.
'use strict';

const tiles = new Map();
const rows = new Map();
let skew = 0;

function tileOf(s) {
  let tile = tiles.get(s.session);
  if (!tile) {
    tile = el('article', { class: 'tile', 'data-session': s.session });
    const info = el('div', { class: 'info' });
    const box = el('div', { class: 'screen' });
    tile.append(info, box);
    tile.info = info;
    tile.box = box;
    tiles.set(s.session, tile);
    document.getElementById('sessions').append(tile);
    visible.observe(tile);
  }
  return tile;
}

function fillTile(s) {
  const tile = tileOf(s);
  tile.s = s;
  tile.className = `tile state-${s.state}`;
  tile.setAttribute('data-state', s.state);
  const head = el('h3', {});
  head.append(el('a', { href: `/screen?session=${encodeURIComponent(s.session)}` }, s.session));
  const parts = [head, el('p', { class: 'state' }, s.cordoned ? `${s.state} (cordoned)` : s.state), el('p', { class: 'since' }, '')];
  if (s.until && s.state === 'cooldown') parts.push(el('p', { class: 'until' }, `until ${new Date(s.until).toLocaleTimeString()}`));
  if (s.task) parts.push(el('p', { class: 'task' }, s.task));
  if (s.project) parts.push(el('p', { class: 'project' }, s.project));
  if (s.model) parts.push(el('p', { class: 'model' }, s.model));
  if (s.lastError) parts.push(el('p', { class: 'error' }, s.lastError));
  if (login.csrf && s.role === 'pool') {
    const controls = el('p', { class: 'controls' });
    if (s.cordoned) controls.append(controlButton('uncordon', { kind: 'uncordon', session: s.session }));
    else controls.append(controlButton('cordon', { kind: 'cordon', session: s.session }), ' ', controlButton('drain', { kind: 'drain', session: s.session }));
    parts.push(controls);
  }
  tile.info.replaceChildren(...parts);
  since(tile);
}

function since(tile) {
  const p = tile.info.querySelector('.since');
  if (p) p.textContent = tile.s.since ? `for ${ago(Date.now() + skew - tile.s.since)}` : '';
}

function rowOf(t) {
  const row = el('tr', { 'data-task': t.name, 'data-project': t.project, 'data-state': t.state });
  for (const v of [t.project, stateOf(t)]) row.append(el('td', {}, v));
  // The task's page: its name in the link is a query value, encoded; shown as text.
  const cell = el('td', {});
  cell.append(el('a', { href: `/task?project=${encodeURIComponent(t.project)}&name=${encodeURIComponent(t.name)}` }, t.name));
  row.append(cell);
  for (const v of [t.priority || '-', t.session || '', t.reason || '']) row.append(el('td', {}, v));
  const controls = el('td', {});
  // A logged-in page may cancel a task that waits (in the inbox, or queued for its next attempt), and retry one that failed.
  if (login.csrf && (t.state === 'inbox' || (t.state === 'active' && t.step === 'queued'))) controls.append(controlButton('cancel', { kind: 'cancel', project: t.project, name: t.name }));
  if (login.csrf && t.state === 'failed') controls.append(controlButton('retry', { kind: 'retry', project: t.project, name: t.name }));
  row.append(controls);
  return row;
}

function apply(d) {
  skew = d.at - Date.now();
  if (d.full) {
    for (const tile of tiles.values()) {
      visible.unobserve(tile);
      Screens.hide(tile.getAttribute('data-session'));
      tile.remove();
    }
    tiles.clear();
    rows.clear();
    document.querySelector('#tasks tbody').replaceChildren();
  }
  if (d.head) head(d.head);
  for (const s of d.goneSessions) {
    const tile = tiles.get(s);
    if (!tile) continue;
    visible.unobserve(tile);
    Screens.hide(s);
    tile.remove();
    tiles.delete(s);
  }
  for (const s of d.sessions) fillTile(s);
  const body = document.querySelector('#tasks tbody');
  for (const k of d.goneTasks) {
    rows.get(k)?.remove();
    rows.delete(k);
  }
  for (const t of d.tasks) {
    const k = `${t.project}/${t.name}`;
    const row = rowOf(t);
    const old = rows.get(k);
    if (old) old.replaceWith(row);
    else body.append(row);
    rows.set(k, row);
  }
  summary();
  document.body.dataset.updated = String(d.at);
}

let headNow = null;
function head(h) {
  headNow = h;
  const problems = document.getElementById('problems');
  problems.replaceChildren(...h.problems.map((p) => el('li', {}, p)));
  document.getElementById('problems-section').hidden = h.problems.length === 0;
}

function summary() {
  if (!headNow) return;
  const up = [...tiles.values()].filter((t) => t.s.role === 'pool' && t.s.state !== 'absent').length;
  document.getElementById('summary').textContent = `pool ${headNow.pool.prefix}* · ${up}/${headNow.pool.desired} sessions · agent ${headNow.pool.agent} · ` +
    (headNow.controller.running ? `controller pid ${headNow.controller.pid}` : 'no controller running');
}

// The screens of the tiles in view only: a pool of 200 is not 200 terminals at once.
const visible = new IntersectionObserver((entries) => {
  for (const e of entries) {
    const session = e.target.getAttribute('data-session');
    if (e.isIntersecting && !Screens.has(session)) Screens.show(session, e.target.box, { fontSize: 10, scale: true });
    else if (!e.isIntersecting && Screens.has(session)) Screens.hide(session);
  }
}, { rootMargin: '200px' });

async function start() {
  await loginReady;
  const events = new EventSource('/api/events');
  events.addEventListener('pool', (e) => apply(JSON.parse(e.data)));
  setInterval(() => tiles.forEach(since), 1000);
}

start();
