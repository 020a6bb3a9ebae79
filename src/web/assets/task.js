// The task page (issue 28): its text, its attempts with their cost, its transitions, its branch's diff and
// what the agent showed in each ended attempt, from /api/task. Text is set as text; the diff is drawn by
// diff2html, which escapes every line it shows.
'use strict';

const when = (at) => new Date(at).toISOString().replace('T', ' ').slice(0, 19);
const money = (cost) => (cost === null || cost === undefined ? '' : `$${cost.toFixed(4)}`);

async function start() {
  const q = new URLSearchParams(location.search);
  const r = await fetch(`/api/task?project=${encodeURIComponent(q.get('project') || '')}&name=${encodeURIComponent(q.get('name') || '')}`);
  const view = await r.json();
  if (!r.ok) {
    document.getElementById('name').textContent = view.error;
    return;
  }
  const t = view.task;
  document.title = `agentpool: ${t.name}`;
  document.getElementById('name').textContent = t.name;
  document.getElementById('summary').textContent = `${t.project} · ${stateOf(t)} · priority ${t.priority ?? '-'} · ${t.attempts} attempt(s)${t.reason ? ` · ${t.reason}` : ''}`;
  document.getElementById('text').textContent = view.text ?? '(the file is gone)';
  await loginReady;
  const controls = document.getElementById('controls');
  if (login.csrf && (t.state === 'inbox' || (t.state === 'active' && t.step === 'queued'))) controls.append(controlButton('cancel', { kind: 'cancel', project: t.project, name: t.name }));
  if (login.csrf && t.state === 'failed') controls.append(controlButton('retry', { kind: 'retry', project: t.project, name: t.name }));
  const u = view.usage;
  document.getElementById('cost').textContent = !u ? '' : u.attempts === 0
    ? `usage unknown: ${u.unknown} attempt(s) whose usage could not be read`
    : `cost ${u.cost === null ? 'unknown (a model without a price)' : money(u.cost)} · ${u.tokens.input + u.tokens.cacheWrite5m + u.tokens.cacheWrite1h + u.tokens.cacheRead} tokens in, ${u.tokens.output} out${u.unknown ? ` · ${u.unknown} attempt(s) whose usage could not be read` : ''}`;
  fillRows('#attempts', view.history.map((h) => [{}, [h.attempt, h.session ?? '', h.outcome, h.reason, h.usage && !h.usage.unknown ? money(h.usage.cost) : '', when(h.at)]]));
  fillRows('#transitions', view.transitions.map((x) => [{}, [when(x.at), x.session ?? '', x.from, x.to, x.event, x.reason ?? '']]));
  if (view.logs.length) {
    document.getElementById('logs-section').hidden = false;
    document.getElementById('logs').replaceChildren(...view.logs.flatMap((l) => [el('h3', {}, `attempt ${l.attempt} in ${l.session ?? '?'} (${l.outcome})`), el('pre', { class: 'log' }, l.text)]));
  }
  const note = document.getElementById('diff-note');
  if (view.diff.error) {
    note.textContent = view.diff.error;
    return;
  }
  if (!view.diff.patch.trim()) {
    note.textContent = 'no changes on its branch';
    return;
  }
  // diff2html escapes what it draws: a line of the diff is text in it, whatever it says.
  document.getElementById('diff').innerHTML = Diff2Html.html(view.diff.patch, { drawFileList: true, outputFormat: 'line-by-line', matching: 'lines' });
}

start();
