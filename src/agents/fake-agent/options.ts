/**
 * The fake agent's command line: Claude's own flags (`--model`, `--settings`, `--session-id`, `--resume`)
 * plus behaviour switches, each also settable by a FAKE_AGENT_* variable so a test can change behaviour
 * without changing the profile's command. A flag wins over its variable.
 */

export interface FakeAgentOptions {
  model: string;
  settings?: string;
  sessionId?: string;
  resume?: string;
  /** How long a turn takes. */
  workMs: number;
  /** Delay before anything but the banner shows. */
  startMs: number;
  dialog: boolean;
  crash: boolean;
  hang: boolean;
  /** The usage-limit message to answer every prompt with. */
  usageLimit?: string;
  /** The StopFailure error kind to answer every prompt with. */
  failWith?: string;
  ignoreFirstEnter: boolean;
  log?: string;
  /** Exit 0 after this many finished turns; 0 = never. */
  exitAfter: number;
  /** Append a line to each file a prompt names on a `file: <path>` line (in the working directory). */
  edit: boolean;
  /** After editing, commit the change with git (the prompt's first line as the message). */
  commit: boolean;
  /**
   * Write a transcript in Claude Code's format under this folder (`<folder>/<cwd, / as ->/<session>.jsonl`),
   * each turn's answer with the usage `usage` says; without it, the transcript is named, never written.
   */
  transcripts?: string;
  /** Each turn's usage: input,output,5-minute cache writes,1-hour cache writes,cache reads. */
  usage: string;
}

type StringKey = 'model' | 'settings' | 'sessionId' | 'resume' | 'usageLimit' | 'failWith' | 'log' | 'transcripts' | 'usage';
type NumberKey = 'workMs' | 'startMs' | 'exitAfter';
type BoolKey = 'dialog' | 'crash' | 'hang' | 'ignoreFirstEnter' | 'edit' | 'commit';

const STRINGS: Record<string, [StringKey, string?]> = {
  '--model': ['model'],
  '--settings': ['settings'],
  '--session-id': ['sessionId'],
  '--resume': ['resume'],
  '--usage-limit': ['usageLimit', 'FAKE_AGENT_USAGE_LIMIT'],
  '--fail-with': ['failWith', 'FAKE_AGENT_FAIL_WITH'],
  '--log': ['log', 'FAKE_AGENT_LOG'],
  '--transcripts': ['transcripts', 'FAKE_AGENT_TRANSCRIPTS'],
  '--usage': ['usage', 'FAKE_AGENT_USAGE'],
};
const NUMBERS: Record<string, [NumberKey, string]> = {
  '--work-ms': ['workMs', 'FAKE_AGENT_WORK_MS'],
  '--start-ms': ['startMs', 'FAKE_AGENT_START_MS'],
  '--exit-after': ['exitAfter', 'FAKE_AGENT_EXIT_AFTER'],
};
const BOOLS: Record<string, [BoolKey, string]> = {
  '--dialog': ['dialog', 'FAKE_AGENT_DIALOG'],
  '--crash': ['crash', 'FAKE_AGENT_CRASH'],
  '--hang': ['hang', 'FAKE_AGENT_HANG'],
  '--ignore-first-enter': ['ignoreFirstEnter', 'FAKE_AGENT_IGNORE_FIRST_ENTER'],
  '--edit': ['edit', 'FAKE_AGENT_EDIT'],
  '--commit': ['commit', 'FAKE_AGENT_COMMIT'],
};
/** Claude flags a shared command line may carry; they change nothing here. */
const IGNORED = new Set(['--dangerously-skip-permissions']);

/** Parses argv and env; throws an Error whose message is fit for the user. */
export function parseOptions(argv: readonly string[], env: Record<string, string | undefined>): FakeAgentOptions {
  const o: FakeAgentOptions = { model: 'default', workMs: 300, startMs: 0, exitAfter: 0, dialog: false, crash: false, hang: false, ignoreFirstEnter: false, edit: false, commit: false, usage: '1200,300,0,2000,8000' };
  for (const [key, name] of Object.values(STRINGS)) if (name && env[name] !== undefined) o[key] = env[name];
  for (const [key, name] of Object.values(NUMBERS)) if (env[name] !== undefined) o[key] = toNumber(name, env[name]);
  for (const [key, name] of Object.values(BOOLS)) o[key] = ['1', 'true', 'yes'].includes(env[name] ?? '');

  for (let i = 0; i < argv.length; i++) {
    const [flag = '', inline] = splitInline(argv[i]!);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (STRINGS[flag]) o[STRINGS[flag][0]] = value();
    else if (NUMBERS[flag]) o[NUMBERS[flag][0]] = toNumber(flag, value());
    else if (BOOLS[flag] && inline === undefined) o[BOOLS[flag][0]] = true;
    else if (!IGNORED.has(flag)) throw new Error(`unknown option ${argv[i]}`);
  }
  if (o.sessionId && o.resume) throw new Error('--session-id and --resume exclude each other');
  if (!/^\d+(,\d+){4}$/.test(o.usage)) throw new Error(`--usage must be five whole numbers: input,output,5-minute cache writes,1-hour cache writes,cache reads; got "${o.usage}"`);
  return o;
}

function splitInline(arg: string): [string, string?] {
  const eq = arg.indexOf('=');
  return arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg];
}

function toNumber(name: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number ≥ 0, got "${text}"`);
  return n;
}
