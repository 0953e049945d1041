/**
 * Safe code building, after ajv's codegen: generated source is assembled only
 * from Code fragments, validated numbers and validated identifiers. A plain
 * string is never spliced in; anything user-written (names, patterns, text)
 * reaches the generated code only as data passed in at run time.
 */
export class Code {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export class CodegenError extends Error {}

type Part = Code | number | Code[];

function emit(p: Part): string {
  if (p instanceof Code) return p.text;
  if (Array.isArray(p)) return p.map((x) => x.text).join('\n');
  if (typeof p === 'number') {
    if (!Number.isFinite(p)) throw new CodegenError(`refusing to emit non-finite number ${p}`);
    return Object.is(p, -0) ? '0' : String(p);
  }
  throw new CodegenError(`refusing to splice a ${typeof p} into generated code`);
}

/** Tagged template: `_\`if (v < ${n}) ...\`` with only Code, numbers and Code[] as holes. */
export function _(strings: TemplateStringsArray, ...parts: Part[]): Code {
  let s = strings[0];
  for (let i = 0; i < parts.length; i++) s += emit(parts[i]) + strings[i + 1];
  return new Code(s);
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property path like `p.inner.dstPort`; every segment must be a plain identifier. */
export function path(...segments: string[]): Code {
  for (const s of segments) if (!IDENT.test(s)) throw new CodegenError(`not an identifier: ${JSON.stringify(s)}`);
  return new Code(segments.join('.'));
}

/** A comma-separated list of validated numbers (as `emit` writes them; a loop, for tables of thousands). */
export function numbers(xs: readonly number[]): Code {
  let s = '';
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (typeof x !== 'number') throw new CodegenError(`refusing to splice a ${typeof x} into generated code`);
    if (!Number.isFinite(x)) throw new CodegenError(`refusing to emit non-finite number ${x}`);
    // x === 0 holds for -0 too, which is written 0
    s += (i === 0 ? '' : ', ') + (x === 0 ? '0' : String(x));
  }
  return new Code(s);
}
