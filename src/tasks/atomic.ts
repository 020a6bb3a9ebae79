/** The task store's atomic JSON writes (sidecars, records): the one writer of them is the store. */
export { writeJsonAtomic } from '../util/atomic.js';
