/**
 * The front end's limits (docs/language.md#limits lists them for users). Each
 * is far beyond what a hand-written or generated policy needs, and each keeps
 * the work of one policy bounded: past a limit tmesc reports a diagnostic at
 * the place, never a stack overflow.
 */

/**
 * How deep one statement may nest: parentheses, brackets, `not`, `inner`
 * (two: it costs the parser more), unary minus, and each switch between `and`
 * and `or` in a chain (TMES0040). The parser is recursive descent, so nesting
 * costs stack: at this limit its deepest construct uses about a quarter of
 * Node's default stack (brackets overflowed near 500 levels, inner( near 300,
 * measured with the parser not yet optimized). Chains of one operator of any
 * length do not nest.
 */
export const MAX_NESTING = 128;

/** Diagnostics the parse of one file reports; the rest are counted in one note (TMES0041). */
export const MAX_REPORTED_SYNTAX_ERRORS = 100;

/**
 * Errors the parser records in one statement before it gives the statement up:
 * chevrotain's recovery re-enters a repetition once per error it skips over, so
 * an unbounded count would be an unbounded recursion.
 */
export const MAX_ERRORS_PER_STATEMENT = 100;

/** How deep a filter may nest once the filter definitions it uses are expanded (TMES0800). */
export const MAX_EXPANDED_DEPTH = 1024;
