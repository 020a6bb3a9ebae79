#!/bin/sh
# The hook command agentpool gives an agent CLI (src/agents/launch.ts, hookCommand): the CLI runs it through
# a shell with the hook event's JSON on stdin; it appends that JSON as one line to the events file named by
# $1, which the controller reads (src/agents/events.ts). It prints nothing (a UserPromptSubmit hook's output
# would be added to the prompt) and always exits 0 (a hook must never break the agent's turn).
#
# A shell, tr and dd rather than a Node.js program: the agent waits for each hook, and a Node start costs
# ~0.1 s of CPU, four times a task. dd appends the line in one write (O_APPEND), so two hooks that run at
# once never interleave their lines, and a reader sees a line whole or not at all (a task is at most a few
# MiB; bs is the largest line written whole).
f=$1
umask 077
# The events file is ours or nothing: never follow a planted symlink, never write another user's file.
if [ -z "$f" ] || [ -L "$f" ] || { [ -e "$f" ] && [ ! -O "$f" ]; }; then
  cat >/dev/null
  exit 0
fi
# JSON has no raw line breaks inside its strings, so dropping them leaves the same JSON on one line.
{ tr -d '\r\n'; echo; } | dd of="$f" oflag=append,nofollow conv=notrunc bs=64M iflag=fullblock status=none 2>/dev/null
exit 0
