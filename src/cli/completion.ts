import type { Command } from 'commander';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

/** What `agentpool __names` lists for completion. */
export const NAME_KINDS = ['tasks', 'sessions', 'both', 'projects'] as const;
type NameKind = (typeof NAME_KINDS)[number];

/** Commands for the completion scripts' own use, not shown or completed. */
const HIDDEN = new Set(['__names']);

/**
 * Shell completion for every command and its options, generated from the commander program so the two
 * cannot drift apart. Written here (a page of code) because the completion add-ons for commander are
 * unmaintained; options with fixed choices complete their values, and a task or session argument the
 * names in the pool (read when the person presses Tab, through `agentpool __names`).
 */
export function completionScript(program: Command, shell: Shell): string {
  const commands = program.commands.filter((c) => c.name() !== 'help' && !HIDDEN.has(c.name()));
  // What a command's first argument names, completed from the pool itself (`agentpool __names`).
  const namesOf = (c: Command): NameKind | null => {
    const arg = c.registeredArguments[0]?.name();
    return arg === 'task' ? 'tasks' : arg === 'session' ? 'sessions' : arg === 'target' ? 'both' : null;
  };
  const optionsOf = (c: Command) => c.options.map((o) => ({
    long: o.long ?? '', short: o.short ?? '', choices: o.argChoices ?? [], takesValue: o.required || o.optional, description: o.description,
    // Options whose value names something of the pool complete it from the pool, as arguments do.
    names: (o.long === '--project' ? 'projects' : o.long === '--after' ? 'tasks' : null) as NameKind | null,
  }));
  switch (shell) {
    case 'bash': {
      const cases = commands.map((c) => {
        const opts = optionsOf(c);
        const valued = opts.filter((o) => o.choices.length || o.names).map((o) => `      ${[o.long, o.short].filter(Boolean).join('|')}) COMPREPLY=($(compgen -W "${o.names ? `$(_agentpool_names ${o.names})` : o.choices.join(' ')}" -- "$cur")); return ;;`).join('\n');
        const names = namesOf(c) ? `$(_agentpool_names ${namesOf(c)}) ` : '';
        return `    ${c.name()})\n      case "$prev" in\n${valued ? `${valued}\n` : ''}      esac\n      COMPREPLY=($(compgen -W "${names}${opts.flatMap((o) => [o.long, o.short]).filter(Boolean).join(' ')} --help" -- "$cur")) ;;`;
      }).join('\n');
      return `# agentpool completion for bash: agentpool completion bash >> ~/.bashrc
# Task and session names come from the pool (with the --config on the line, if any).
_agentpool_names() {
  local i cfg=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -c|--config) cfg=(--config "\${COMP_WORDS[i+1]}") ;; esac
  done
  agentpool __names "$1" "\${cfg[@]}" 2>/dev/null
}
_agentpool() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${commands.map((c) => c.name()).join(' ')} --help --version" -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
}
complete -o default -F _agentpool agentpool
`;
    }
    case 'zsh': {
      const q = (s: string) => s.replace(/'/g, `'\\''`).replace(/[[\]:]/g, '\\$&');
      const cases = commands.map((c) => {
        const specs = optionsOf(c).map((o) => {
          const names = [o.short, o.long].filter(Boolean);
          const value = o.names ? `:value:_agentpool_names ${o.names}` : o.choices.length ? `:value:(${o.choices.join(' ')})` : o.takesValue ? ':value:_files' : '';
          const spec = `[${q(o.description)}]${value}`;
          return names.length > 1 ? `'(${names.join(' ')})'{${names.join(',')}}'${spec}'` : `'${names[0]}${spec}'`;
        });
        const first = namesOf(c) ? ` '1:${c.registeredArguments[0]!.name()}:_agentpool_names ${namesOf(c)}'` : '';
        return `    ${c.name()}) _arguments ${specs.join(' ')}${first} '*:file:_files' ;;`;
      }).join('\n');
      return `#compdef agentpool
# agentpool completion for zsh: agentpool completion zsh > "\${fpath[1]}/_agentpool"
_agentpool_names() {
  local -a names=(\${(f)"$(agentpool __names $1 2>/dev/null)"})
  compadd -a names
}
_agentpool() {
  if (( CURRENT == 2 )); then
    local -a commands=(${commands.map((c) => `'${c.name()}:${q(c.description())}'`).join(' ')})
    _describe command commands
    return
  fi
  shift words; (( CURRENT-- ))
  case "\${words[1]}" in
${cases}
  esac
}
compdef _agentpool agentpool
`;
    }
    case 'fish': {
      const lines = ['# agentpool completion for fish: agentpool completion fish > ~/.config/fish/completions/agentpool.fish', 'complete -c agentpool -f'];
      const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
      for (const c of commands) {
        lines.push(`complete -c agentpool -n __fish_use_subcommand -a ${c.name()} -d ${q(c.description())}`);
        if (namesOf(c)) lines.push(`complete -c agentpool -n '__fish_seen_subcommand_from ${c.name()}' -a '(agentpool __names ${namesOf(c)} 2>/dev/null)'`);
        for (const o of optionsOf(c)) {
          const names = [o.long ? `-l ${o.long.replace(/^--/, '')}` : '', o.short ? `-s ${o.short.replace(/^-/, '')}` : ''].filter(Boolean).join(' ');
          const value = o.names ? ` -x -a '(agentpool __names ${o.names} 2>/dev/null)'` : o.choices.length ? ` -x -a ${q(o.choices.join(' '))}` : o.takesValue ? ' -r -F' : '';
          lines.push(`complete -c agentpool -n '__fish_seen_subcommand_from ${c.name()}' ${names}${value} -d ${q(o.description)}`);
        }
      }
      return `${lines.join('\n')}\n`;
    }
  }
}
