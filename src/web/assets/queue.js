// The queue page (issue 28): each project's inbox by priority and age, the tasks refused on arrival with
// why, and (logged in) a task added as text or as an uploaded .md file, written into the inbox the way
// `agentpool add` writes it. Text only.
'use strict';

async function refresh() {
  const view = await (await fetch('/api/queue')).json();
  const waiting = view.projects.reduce((n, p) => n + p.inbox.length, 0);
  document.getElementById('summary').textContent = `${waiting} task(s) waiting in ${view.projects.length} project(s)`;
  document.getElementById('projects').replaceChildren(...view.projects.map((p) => {
    const section = el('section', { 'data-project': p.name });
    section.append(el('h2', {}, `${p.name}: ${p.inbox.length} waiting`));
    const table = el('table', { class: 'inbox' });
    const head = el('tr', {});
    for (const h of ['task', 'priority', 'waiting for', 'why it waits', '']) head.append(el('th', {}, h));
    table.append(head);
    for (const t of p.inbox) {
      const row = el('tr', { 'data-task': t.name });
      const cell = el('td', {});
      cell.append(el('a', { href: `/task?project=${encodeURIComponent(t.project)}&name=${encodeURIComponent(t.name)}` }, t.name));
      row.append(cell, el('td', {}, t.priority || '-'), el('td', {}, ago(view.at - t.arrivedAt)), el('td', {}, t.reason || ''));
      const controls = el('td', {});
      if (login.csrf) controls.append(controlButton('cancel', { kind: 'cancel', project: t.project, name: t.name }));
      row.append(controls);
      table.append(row);
    }
    section.append(table);
    if (p.refused.length) {
      section.append(el('h3', {}, 'Refused on arrival'));
      const list = el('ul', { class: 'refused' });
      for (const t of p.refused) {
        const item = el('li', { 'data-task': t.name });
        item.append(el('strong', {}, t.name), ': ', el('span', { class: 'error' }, t.reason || ''));
        list.append(item);
      }
      section.append(list);
    }
    return section;
  }));
  return view;
}

async function add(project, text, name) {
  const note = document.getElementById('add-note');
  const reply = await post('/api/add', { project, text, name: name || undefined });
  note.textContent = reply.ok ? `added ${reply.message}` : `not added: ${reply.message}`;
  note.className = reply.ok ? 'added' : 'error';
  if (reply.ok) await refresh();
  return reply.ok;
}

async function start() {
  await loginReady;
  const view = await refresh();
  setInterval(refresh, 2000);
  if (!login.csrf) return;
  document.getElementById('add-section').hidden = false;
  document.getElementById('add-project').replaceChildren(...view.projects.map((p) => el('option', { value: p.name }, p.name)));
  document.getElementById('add').addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = document.getElementById('add-text');
    if (await add(document.getElementById('add-project').value, text.value, document.getElementById('add-name').value)) text.value = '';
  });
  document.getElementById('add-file').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    await add(document.getElementById('add-project').value, await file.text(), file.name);
    e.target.value = '';
  });
}

start();
