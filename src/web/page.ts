/**
 * The dashboard's documents: nothing of the pool in them. Each page's own script fills it from the API, as
 * text (the task page's diff by diff2html); no inline script anywhere (the Content-Security-Policy).
 */
function shell(title: string, head: string[], body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/assets/app.css">
${head.join('\n')}
</head>
<body>
${body}
</body>
</html>
`;
}

const back = '<p><a href="/">← the pool</a></p>';

/** The pool page: filled by assets/app.js from /api/pool, then /api/events. */
export function page(): string {
  return shell('agentpool', ['<script src="/assets/app.js" defer></script>'], `<header><h1>agentpool</h1><p id="summary">loading…</p><p><a href="/timeline">timeline</a> · <a href="/login" id="login">log in for controls</a></p></header>
<section><h2>Sessions</h2><div id="sessions" class="tiles"></div></section>
<section><h2>Tasks</h2><table id="tasks"><thead><tr><th>project</th><th>state</th><th>task</th><th>priority</th><th>session</th><th>reason</th></tr></thead><tbody></tbody></table></section>
<section id="problems-section" hidden><h2>Problems</h2><ul id="problems"></ul></section>`);
}

/** The task page: filled by assets/task.js from /api/task (as text; the diff by diff2html). */
export function taskPage(): string {
  return shell('agentpool task', ['<link rel="stylesheet" href="/assets/diff2html.min.css">', '<script src="/assets/diff2html.min.js" defer></script>', '<script src="/assets/task.js" defer></script>'],
    `<header>${back}<h1 id="name">loading…</h1><p id="summary"></p></header>
<section><h2>Task</h2><pre id="text"></pre></section>
<section><h2>Attempts</h2><table id="attempts"><thead><tr><th>attempt</th><th>session</th><th>outcome</th><th>reason</th><th>at</th></tr></thead><tbody></tbody></table></section>
<section><h2>Changes</h2><p id="diff-note"></p><div id="diff"></div></section>`);
}

/** The timeline page: sessions × time, each attempt a bar (assets/timeline.js, from /api/timeline). */
export function timelinePage(): string {
  return shell('agentpool timeline', ['<script src="/assets/timeline.js" defer></script>'], `<header>${back}<h1>Timeline</h1><p id="summary">loading…</p></header>
<section><div id="timeline"></div></section>`);
}

/** The login page: a form that posts the token (never put in a URL). */
export function loginPage(failed: boolean): string {
  return shell('agentpool login', [], `<header>${back}<h1>Log in</h1></header>
<p>Controls (cancel, retry) need a login: the token is in the state folder's <code>web-token</code> file.</p>
${failed ? '<p class="error">That is not the token.</p>\n' : ''}<form method="post" action="/login"><input type="password" name="token" autocomplete="off" aria-label="token"> <button type="submit">Log in</button></form>`);
}
