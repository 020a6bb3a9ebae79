import { BackendError, type SessionBackend } from './session-backend.js';

/**
 * Every call of `b` with a deadline: a host that never answers fails the call with a reason instead of
 * holding the pass (and every pass after it) forever. The backend's own deadline, where it has one (the tmux
 * exec client kills its process), comes first; this one holds for any backend.
 */
export function withDeadline(b: SessionBackend, ms: number): SessionBackend {
  /** `scale`: how many deadlines the call may take (a delivery of many pieces gets one per PIECES_PER_DEADLINE). */
  const timed = <A extends unknown[], T>(what: string, call: (...args: A) => Promise<T>, scale: (...args: A) => number = () => 1) =>
    (...args: A): Promise<T> => {
      let timer: NodeJS.Timeout | undefined;
      const limit = ms * scale(...args);
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new BackendError(`${b.label}: ${what} got no answer within ${limit / 1000} s`, 'timeout')), limit);
      });
      return Promise.race([call.apply(b, args), late]).finally(() => clearTimeout(timer));
    };
  return {
    label: b.label,
    list: timed('listing the sessions', b.list),
    create: timed('creating a session', b.create),
    destroy: timed('removing a session', b.destroy),
    start: timed('starting a program', b.start),
    rest: timed('ending a program', b.rest),
    deliver: timed('delivering text', b.deliver, (_ref, pieces) => Math.max(1, Math.ceil(pieces.length / PIECES_PER_DEADLINE))),
    sendKeys: timed('sending keys', b.sendKeys),
    readScreen: timed('reading the screen', b.readScreen),
    setTags: timed('writing tags', b.setTags),
    endHost: timed('ending the host', b.endHost),
    ...(b.close ? { close: () => b.close!() } : {}),
    ...(b.repair ? { repair: timed('repairing the host', b.repair) } : {}),
    ...(b.onChange ? { onChange: (l: () => void) => b.onChange!(l) } : {}),
  };
}

/** A delivery gets one deadline for each this many pieces (a loaded machine took ~2 ms a piece, bench/paste.mjs). */
const PIECES_PER_DEADLINE = 1_000;
