// The agents' screens (issue 28): one WebSocket for the page, over which it says which sessions it shows
// and gets each one's paint and output, drawn by xterm.js (a terminal emulator: output is never HTML). The
// terminal takes the pane's size (the pane is never resized for it) and is scaled to its box.
'use strict';

const Screens = (() => {
  const shown = new Map();
  let ws = null;
  let timer = null;

  function connect() {
    ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/screens`);
    ws.addEventListener('open', () => sendWatch());
    ws.addEventListener('message', (e) => handle(JSON.parse(e.data)));
    ws.addEventListener('close', () => setTimeout(connect, 1000));
  }

  function sendWatch() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ watch: [...shown.keys()] }));
    }, 50);
  }

  function bytes(b64) {
    const s = atob(b64);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }

  function handle(m) {
    const v = shown.get(m.s);
    if (!v) return;
    if (m.t === 'reset') {
      v.term.reset();
      v.term.resize(m.cols, m.rows);
      v.term.write(m.paint, () => fit(v));
      v.box.dataset.screen = 'live';
      v.note('');
    } else if (m.t === 'out') {
      v.term.write(bytes(m.d));
    } else if (m.t === 'end' || m.t === 'refused') {
      v.note(m.why);
      if (m.t !== 'end') return;
      // The session may come back (made anew, its server restarted): asked for again while it is shown.
      v.box.dataset.screen = 'ended';
      setTimeout(() => shown.get(m.s) === v && sendWatch(), 2000);
    }
  }

  /** Scales the terminal to its box's width (a tile is smaller than a 200-column pane). */
  function fit(v) {
    if (!v.scale) return;
    const inner = v.inner;
    inner.style.transform = '';
    const natural = inner.scrollWidth || 1;
    const s = Math.min(1, v.box.clientWidth / natural);
    inner.style.transform = `scale(${s})`;
    v.box.style.height = `${Math.ceil(inner.scrollHeight * s)}px`;
  }

  /** Shows `session`'s screen in `box`; opts: { fontSize, scale, onNote }. */
  function show(session, box, opts) {
    if (shown.has(session)) hide(session);
    const inner = el('div', { class: 'screen-inner' });
    box.replaceChildren(inner);
    box.dataset.screen = '';
    const term = new Terminal({ fontSize: opts.fontSize || 10, scrollback: 0, disableStdin: true, cursorBlink: false });
    // The pane's program asks its terminal things (device attributes, the cursor's place, colours); tmux
    // answers it. This emulator must not answer too: with control taken its answers would be typed.
    for (const id of [{ final: 'c' }, { prefix: '>', final: 'c' }, { final: 'n' }, { prefix: '?', final: 'n' }, { intermediates: '$', final: 'p' }, { prefix: '?', intermediates: '$', final: 'p' }]) {
      term.parser.registerCsiHandler(id, () => true);
    }
    for (const osc of [4, 10, 11, 12]) term.parser.registerOscHandler(osc, (data) => data.includes('?'));
    term.open(inner);
    const v = { term, box, inner, scale: opts.scale, note: opts.onNote || (() => {}), input: false };
    // Keys go to the server only while this page has control of the pane (setInput).
    term.onData((data) => v.input && ws && ws.send(JSON.stringify({ input: { session, data } })));
    shown.set(session, v);
    if (!ws) connect();
    sendWatch();
  }

  function hide(session) {
    const v = shown.get(session);
    if (!v) return;
    v.term.dispose();
    shown.delete(session);
    sendWatch();
  }

  /** The text a screen shows now, a line per row (for people who copy it, and for tests). */
  function text(session) {
    const v = shown.get(session);
    if (!v) return null;
    const b = v.term.buffer.active;
    const lines = [];
    for (let i = 0; i < v.term.rows; i++) lines.push((b.getLine(b.viewportY + i) || { translateToString: () => '' }).translateToString(true));
    return lines.join('\n');
  }

  /** Whether what is typed into `session`'s screen goes to its pane (after the server granted control). */
  function setInput(session, on) {
    const v = shown.get(session);
    if (!v) return;
    v.input = on;
    v.term.options.disableStdin = !on;
    if (on) v.term.focus();
  }

  return { show, hide, text, setInput, has: (s) => shown.has(s) };
})();
