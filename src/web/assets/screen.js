// One session's screen, large (issue 28). With the dashboard started to allow it, a logged-in person may
// take control: what they type then goes to the agent (the server logs the take and how much was typed).
'use strict';

async function start() {
  const session = new URLSearchParams(location.search).get('session') || '';
  document.title = `agentpool: ${session}`;
  document.getElementById('name').textContent = session;
  await loginReady;
  const note = document.getElementById('take-note');
  const box = document.getElementById('screen');
  let taken = false;
  Screens.show(session, box, { fontSize: 14, scale: false, onNote: (why) => (note.textContent = why) });
  const take = document.getElementById('take');
  if (!login.csrf) {
    document.getElementById('summary').textContent = 'read-only: this screen is what the agent shows, live';
    return;
  }
  if (!login.input) {
    document.getElementById('summary').textContent = 'read-only (taking control is off: the dashboard was started without --allow-input)';
    return;
  }
  take.hidden = false;
  take.addEventListener('click', async () => {
    const reply = await post('/api/take', { session, on: !taken });
    note.textContent = reply.message;
    if (!reply.ok) return;
    taken = !taken;
    take.textContent = taken ? 'Release control' : 'Take control';
    box.dataset.control = taken ? 'taken' : '';
    Screens.setInput(session, taken);
  });
}

start();
