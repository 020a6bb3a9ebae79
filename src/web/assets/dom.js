// What the dashboard's pages share (issue 28), loaded before each page's own script. Everything shown of
// sessions, tasks and agents is set as text (textContent), never as HTML: a task's name or body is its
// author's, an agent's output is the model's, and neither may run in these pages.
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

/** Where a task stands, as the pages show it: its folder, and in active/ its step. */
function stateOf(t) {
  return t.state === 'active' && t.step ? `active/${t.step}` : t.state;
}

/** A table's body as rows of text cells: each row `[attributes, cells]`. */
function fillRows(table, rows) {
  document.querySelector(`${table} tbody`).replaceChildren(...rows.map(([attrs, cells]) => {
    const row = el('tr', attrs);
    for (const c of cells) row.append(el('td', {}, c));
    return row;
  }));
}

/** This page's login: its CSRF value (null when not logged in), whether typing is allowed, whether there is a fleet. */
let login = { csrf: null, input: false, fleet: false };
const loginReady = fetch('/api/session').then((r) => (r.ok ? r.json() : login), () => login).then((s) => {
  login = s;
  const link = document.getElementById('login');
  if (link && s.csrf) link.textContent = 'logged in';
  const fleet = document.getElementById('fleet-link');
  if (fleet) fleet.hidden = !s.fleet;
  return s;
});

/** Posts a control with the page's CSRF value; the reply is { ok, message }. */
async function post(path, body) {
  const r = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Agentpool-CSRF': login.csrf || '' }, body: JSON.stringify(body) });
  try {
    return await r.json();
  } catch {
    return { ok: false, message: `HTTP ${r.status}` };
  }
}

/** A button that asks the controller for `body.kind` and says what it answered. */
function controlButton(label, body) {
  const button = el('button', { class: `control control-${body.kind}`, 'data-kind': body.kind }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    const reply = await post('/api/control', body);
    button.textContent = reply.ok ? `${label}: done` : `${label}: ${reply.message}`;
    button.title = reply.message;
  });
  return button;
}
