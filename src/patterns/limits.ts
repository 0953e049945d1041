/**
 * Bounds that keep every pattern cheap to compile and to run. A pattern runs
 * in time linear in the payload, but the constant is the size of its
 * automaton: these limits bound that constant, and with it what a crafted
 * packet can cost (docs/design/patterns.md has the arithmetic).
 */

/** Characters of pattern source (between the slashes). */
export const MAX_PATTERN_LENGTH = 4096;

/** Largest count in a counted repetition, {n}, {n,} or {n,m} (RE2 has the same bound). */
export const MAX_REPEAT = 1000;

/** Instructions of the compiled automaton (counted repetitions are expanded into copies). */
export const MAX_PROGRAM_SIZE = 5000;

/** States the lazy DFA keeps before it throws its cache away and starts again. */
export const DFA_MAX_STATES = 4096;

/** Transition table entries (states x byte classes) the lazy DFA keeps at most (4 bytes each). */
export const DFA_MAX_TABLE = 1 << 20;

/** Instructions, summed over its states' sets, that the lazy DFA keeps at most (4 bytes each). */
export const DFA_MAX_SETS = 1 << 20;
