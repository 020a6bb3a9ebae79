/**
 * The dashboard's documents: nothing of the pool in them. Each page's own script fills it from the API, as
 * text (the task page's diff by diff2html, the screens by xterm.js); no inline script anywhere (the
 * Content-Security-Policy). assets/dom.js, loaded first, holds what the scripts share.
 */
function shell(title: string, scripts: string[], body: string, styles: string[] = []): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/assets/app.css">
${styles.map((s) => `<link rel="stylesheet" href="/assets/${s}">\n`).join('')}${['dom.js', ...scripts].map((s) => `<script src="/assets/${s}" defer></script>`).join('\n')}
</head>
<body>
${body}
</body>
</html>
`;
}

/** The links between the pages; the fleet's shows only with a fleet (dom.js). */
const nav = '<nav><a href="/">pool</a> · <a href="/queue">queue</a> · <a href="/timeline">timeline</a><span id="fleet-link" hidden> · <a href="/fleet">fleet</a></span> · <a href="/login" id="login">log in for controls</a></nav>';

/** The pool page: filled by assets/app.js from /api/events; each tile's screen by assets/screens.js. */
export function page(): string {
  return shell('agentpool', ['xterm.js', 'screens.js', 'app.js'], `<header><h1>agentpool</h1><p id="summary">loading…</p>${nav}</header>
<section><h2>Sessions</h2><div id="sessions" class="tiles"></div></section>
<section><h2>Tasks</h2><table id="tasks"><thead><tr><th>project</th><th>state</th><th>task</th><th>priority</th><th>session</th><th>reason</th><th></th></tr></thead><tbody></tbody></table></section>
<section id="problems-section" hidden><h2>Problems</h2><ul id="problems"></ul></section>`, ['xterm.css']);
}

/** One session's screen, large; with --allow-input, where a logged-in person may take control of it. */
export function screenPage(): string {
  return shell('agentpool screen', ['xterm.js', 'screens.js', 'screen.js'], `<header><h1 id="name">loading…</h1><p id="summary"></p>${nav}</header>
<section><p><button id="take" hidden>Take control</button> <span id="take-note"></span></p><div id="screen" class="screen-large"></div></section>`, ['xterm.css']);
}

/** The queue page: every inbox by priority and age, the tasks refused on arrival, and a form to add one. */
export function queuePage(): string {
  return shell('agentpool queue', ['queue.js'], `<header><h1>Queue</h1><p id="summary">loading…</p>${nav}</header>
<section id="add-section" hidden><h2>Add a task</h2>
<form id="add"><p><label>project <select name="project" id="add-project"></select></label> <label>file name (optional) <input name="name" id="add-name" placeholder="fix-login.md"></label></p>
<p><textarea name="text" id="add-text" rows="8" cols="80" placeholder="---&#10;priority: high&#10;---&#10;&#10;What the agent should do."></textarea></p>
<p><button type="submit">Add to the inbox</button> or upload a .md file: <input type="file" id="add-file" accept=".md,text/markdown"> <span id="add-note"></span></p></form></section>
<div id="projects"></div>`);
}

/** The task page: filled by assets/task.js from /api/task (as text; the diff by diff2html). */
export function taskPage(): string {
  return shell('agentpool task', ['diff2html.min.js', 'task.js'],
    `<header><h1 id="name">loading…</h1><p id="summary"></p>${nav}<p id="controls"></p></header>
<section><h2>Task</h2><pre id="text"></pre></section>
<section><h2>Attempts</h2><p id="cost"></p><table id="attempts"><thead><tr><th>attempt</th><th>session</th><th>outcome</th><th>reason</th><th>cost</th><th>at</th></tr></thead><tbody></tbody></table></section>
<section><h2>Transitions</h2><table id="transitions"><thead><tr><th>at</th><th>session</th><th>from</th><th>to</th><th>event</th><th>reason</th></tr></thead><tbody></tbody></table></section>
<section><h2>Changes</h2><p id="diff-note"></p><div id="diff"></div></section>
<section id="logs-section" hidden><h2>What the agent showed</h2><div id="logs"></div></section>`, ['diff2html.min.css']);
}

/** The timeline page: sessions × time, each attempt a bar (assets/timeline.js, from /api/timeline). */
export function timelinePage(): string {
  return shell('agentpool timeline', ['timeline.js'], `<header><h1>Timeline</h1><p id="summary">loading…</p>${nav}</header>
<section><div id="timeline"></div></section>`);
}

/** The fleet page: its hosts, their sessions and the shared queues (assets/fleet.js, from /api/fleet). */
export function fleetPage(): string {
  return shell('agentpool fleet', ['fleet.js'], `<header><h1>Fleet</h1><p id="summary">loading…</p>${nav}</header>
<section><h2>Hosts</h2><table id="hosts"><thead><tr><th>host</th><th>role</th><th>seen</th><th>busy</th><th>jobs</th><th>queues</th></tr></thead><tbody></tbody></table></section>
<section><h2>Sessions</h2><table id="fleet-sessions"><thead><tr><th>host</th><th>session</th><th>state</th><th>task</th></tr></thead><tbody></tbody></table></section>
<section><h2>Queues</h2><table id="queues"><thead><tr><th>queue</th><th>waiting</th><th>by priority</th><th>active</th><th>delayed</th><th>done</th><th>failed</th><th></th></tr></thead><tbody></tbody></table></section>`);
}

/** The login page: a form that posts the token (never put in a URL). */
export function loginPage(failed: boolean): string {
  return shell('agentpool login', [], `<header><h1>Log in</h1>${nav}</header>
<p>Controls (cancel, retry, cordon, adding a task) need a login, and on an address others can reach every page does: the token is in the state folder's <code>web-token</code> file.</p>
${failed ? '<p class="error">That is not the token.</p>\n' : ''}<form method="post" action="/login"><input type="password" name="token" autocomplete="off" aria-label="token"> <button type="submit">Log in</button></form>`);
}
