/** The pool page's document: nothing of the pool in it (assets/app.js fills it from /api/pool, as text). */
export function page(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>agentpool</title>
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<header><h1>agentpool</h1><p id="summary">loading…</p><p><a href="/timeline">timeline</a> · <a href="/login" id="login">log in for controls</a></p></header>
<section><h2>Sessions</h2><div id="sessions" class="tiles"></div></section>
<section><h2>Tasks</h2><table id="tasks"><thead><tr><th>project</th><th>state</th><th>task</th><th>priority</th><th>session</th><th>reason</th></tr></thead><tbody></tbody></table></section>
<section id="problems-section" hidden><h2>Problems</h2><ul id="problems"></ul></section>
</body>
</html>
`;
}

/** The task page's document: filled by assets/task.js from /api/task (as text; the diff by diff2html). */
export function taskPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>agentpool task</title>
<link rel="stylesheet" href="/assets/app.css">
<link rel="stylesheet" href="/assets/diff2html.min.css">
<script src="/assets/diff2html.min.js" defer></script>
<script src="/assets/task.js" defer></script>
</head>
<body>
<header><p><a href="/">← the pool</a></p><h1 id="name">loading…</h1><p id="summary"></p></header>
<section><h2>Task</h2><pre id="text"></pre></section>
<section><h2>Attempts</h2><table id="attempts"><thead><tr><th>attempt</th><th>session</th><th>outcome</th><th>reason</th><th>at</th></tr></thead><tbody></tbody></table></section>
<section><h2>Changes</h2><p id="diff-note"></p><div id="diff"></div></section>
</body>
</html>
`;
}

/** The timeline page's document: sessions × time, each attempt a bar (assets/timeline.js, from /api/timeline). */
export function timelinePage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>agentpool timeline</title>
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/timeline.js" defer></script>
</head>
<body>
<header><p><a href="/">← the pool</a></p><h1>Timeline</h1><p id="summary">loading…</p></header>
<section><div id="timeline"></div></section>
</body>
</html>
`;
}

/** The login page: a form that posts the token (never put in a URL). */
export function loginPage(failed: boolean): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>agentpool login</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<header><p><a href="/">← the pool</a></p><h1>Log in</h1></header>
<p>Controls (cancel, retry) need a login: the token is in the state folder's <code>web-token</code> file.</p>
${failed ? '<p class="error">That is not the token.</p>' : ''}
<form method="post" action="/login"><input type="password" name="token" autocomplete="off" aria-label="token"> <button type="submit">Log in</button></form>
</body>
</html>
`;
}
