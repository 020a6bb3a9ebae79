// The task page (issue 28): its text, its attempts and its branch's diff, from /api/task. Text is set as
// text; the diff is drawn by diff2html, which escapes every line it shows.
'use strict';

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
  document.getElementById('summary').textContent = `${t.project} · ${t.state === 'active' && t.step ? `active/${t.step}` : t.state} · priority ${t.priority ?? '-'} · ${t.attempts} attempt(s)${t.reason ? ` · ${t.reason}` : ''}`;
  document.getElementById('text').textContent = view.text ?? '(the file is gone)';
  await loginReady;
  const controls = document.getElementById('controls');
  if (login.csrf && (t.state === 'inbox' || (t.state === 'active' && t.step === 'queued'))) controls.append(controlButton('cancel', { kind: 'cancel', project: t.project, name: t.name }));
  if (login.csrf && t.state === 'failed') controls.append(controlButton('retry', { kind: 'retry', project: t.project, name: t.name }));
  document.querySelector('#attempts tbody').replaceChildren(...view.history.map((h) => {
    const row = el('tr', {});
    for (const v of [h.attempt, h.session ?? '', h.outcome, h.reason, new Date(h.at).toISOString().replace('T', ' ').slice(0, 19)]) row.append(el('td', {}, v));
    return row;
  }));
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
