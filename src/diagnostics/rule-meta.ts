import type { Severity } from './diagnostic.js';

/**
 * What the renderers need to know about one diagnostic code. The rule
 * catalogue provides these; renderers only read them through a
 * {@link RuleLookup}, so they never depend on the catalogue itself.
 */
export interface RuleMeta {
  /** Stable code, e.g. `TMES0200`. */
  readonly code: string;
  /** Short kebab-case id, e.g. `unknown-name`. */
  readonly name: string;
  /** One line, sentence case, no final full stop, e.g. `Unknown name`. */
  readonly title: string;
  readonly defaultSeverity: Severity;
  /** One paragraph: why it matters and how to fix it. */
  readonly help: string;
  /** Absolute URL of the rule's documentation, when there is one. */
  readonly docsUrl?: string;
  /** Extra classification tags for SARIF consumers (e.g. `correctness`). */
  readonly tags?: readonly string[];
}

/** Finds the metadata of a code, or `undefined` for a code the catalogue does not know. */
export type RuleLookup = (code: string) => RuleMeta | undefined;
