import { Ajv, type ErrorObject } from 'ajv';
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { didYouMean } from '../diagnostics/suggest.js';
import { SourceFile } from '../diagnostics/source.js';

/** A problem in a JSON file we read (tests, config, baseline): where it is, as file:line:col and JSON path. */
export class JsonFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly { offset: number; line: number; column: number; path: string; message: string }[],
  ) {
    super(problems.map((p) => `${file}:${p.line}:${p.column}: ${p.path}: ${p.message}`).join('\n'));
  }
}

/** A JSON path, as messages show one: ['tests', 0, 'frame'] -> $.tests[0].frame */
export function jsonPath(segments: (string | number)[]): string {
  return (
    '$' +
    segments
      .map((s) =>
        typeof s === 'number' ? `[${s}]` : /^[A-Za-z_$][\w$]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`,
      )
      .join('')
  );
}

function segmentsOf(instancePath: string, data: unknown): (string | number)[] {
  if (!instancePath) return [];
  const out: (string | number)[] = [];
  let cur = data;
  for (const raw of instancePath.slice(1).split('/')) {
    const s = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const seg = Array.isArray(cur) ? Number(s) : s;
    out.push(seg);
    cur = (cur as Record<string | number, unknown> | undefined)?.[seg];
  }
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false });

/**
 * Reads a JSON file against its JSON Schema. Errors name the file, the line
 * and column, and the JSON path of the value at fault; an unknown member gets
 * the closest known one suggested. `explain` turns an anyOf/oneOf failure at
 * a schema path into one plain sentence instead of ajv's alternatives.
 */
export function readJson<T>(
  file: string,
  text: string,
  schema: object,
  explain: Readonly<Record<string, string>> = {},
): T {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const source = new SourceFile(file, text);
  if (errors.length || !tree) {
    const e = errors[0];
    const offset = e?.offset ?? 0;
    throw new JsonFileError(file, [
      {
        offset,
        ...source.position(offset),
        path: '$',
        message: `not valid JSON: ${e ? printParseErrorCode(e.error) : 'empty file'}`,
      },
    ]);
  }
  const data = JSON.parse(text) as unknown;
  const validate = ajv.compile(schema);
  if (validate(data)) return data as T;
  const all = validate.errors ?? [];
  const explained = all.filter((e) => explain[e.schemaPath] !== undefined);
  // the branches of an explained anyOf/oneOf say nothing more than its sentence
  const shown = all.filter((e) => !explained.some((x) => e.schemaPath.startsWith(x.schemaPath + '/')));
  const seen = new Set<string>();
  const problems = [];
  for (const e of shown) {
    const segs = segmentsOf(e.instancePath, data);
    const { message, extra } = describe(e, explain, schemaAt(schema, e.schemaPath));
    const key = jsonPath(segs) + message;
    if (seen.has(key)) continue;
    seen.add(key);
    const node = nodeFor(tree, [...segs, ...extra], extra.length > 0);
    const offset = node?.offset ?? 0;
    problems.push({ offset, ...source.position(offset), path: jsonPath(segs), message });
  }
  throw new JsonFileError(file, problems);
}

/** The value at a path (or, for a member that should not be there, its key); a missing one: its object. */
function nodeFor(tree: Node, segs: (string | number)[], key: boolean): Node | undefined {
  const n = findNodeAtLocation(tree, segs);
  if (n && key && n.parent?.type === 'property') return n.parent;
  return n ?? (segs.length ? nodeFor(tree, segs.slice(0, -1), false) : tree);
}

/** The schema object at an ajv schemaPath (#/properties/tests/items/oneOf). */
function schemaAt(schema: object, schemaPath: string): Record<string, unknown> | undefined {
  let cur: unknown = schema;
  for (const s of schemaPath.replace(/^#\/?/, '').split('/').slice(0, -1)) {
    if (!s) continue;
    cur = (cur as Record<string, unknown> | undefined)?.[s];
  }
  return cur as Record<string, unknown> | undefined;
}

function describe(
  e: ErrorObject,
  explain: Readonly<Record<string, string>>,
  parent: Record<string, unknown> | undefined,
): { message: string; extra: (string | number)[] } {
  if (explain[e.schemaPath]) return { message: explain[e.schemaPath], extra: [] };
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { message: `missing member '${String(p.missingProperty)}'`, extra: [] };
    case 'additionalProperties': {
      const name = String(p.additionalProperty);
      const known = Object.keys((parent?.properties as object | undefined) ?? {});
      const close = didYouMean(name, known);
      return {
        message: `unknown member '${name}'${close ? `; did you mean '${close}'?` : known.length ? ` (known: ${known.join(', ')})` : ''}`,
        extra: [name],
      };
    }
    case 'enum':
      return {
        message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        extra: [],
      };
    default:
      return { message: e.message ?? e.keyword, extra: [] };
  }
}
