// The timeline page (issue 28): a row per session, each attempt a bar from its claim to its end, coloured by
// how it ended; names are set as text (a bar's label and its title).
'use strict';

async function start() {
  const view = await (await fetch('/api/timeline?hours=24')).json();
  const span = Math.max(1, view.to - view.from);
  document.getElementById('summary').textContent = `${view.bars.length} attempt(s) on ${view.sessions.length} session(s) since ${new Date(view.from).toLocaleTimeString()}`;
  const root = document.getElementById('timeline');
  root.replaceChildren(...view.sessions.map((session) => {
    const row = el('div', { class: 'lane', 'data-session': session });
    row.append(el('span', { class: 'lane-name' }, session));
    const track = el('div', { class: 'track' });
    for (const b of view.bars.filter((x) => x.session === session)) {
      const bar = el('div', { class: `bar outcome-${b.outcome}`, 'data-task': b.task, 'data-outcome': b.outcome, title: `${b.project}/${b.task}: ${b.outcome}` }, b.task);
      // Position and width as percentages of the window: set through the style object, not a style attribute string.
      bar.style.left = `${((b.from - view.from) / span) * 100}%`;
      bar.style.width = `${Math.max(0.3, ((b.to - b.from) / span) * 100)}%`;
      track.append(bar);
    }
    row.append(track);
    return row;
  }));
}

start();
