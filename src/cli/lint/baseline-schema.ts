/**
 * JSON Schema (draft-07) of a baseline file (`tmesc validate --write-baseline`),
 * published as schemas/baseline-1.json.
 */
export const BASELINE_SCHEMA_ID = 'https://tmesc.dev/schemas/baseline-1.json';

export const BASELINE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: BASELINE_SCHEMA_ID,
  title: 'tmesc baseline of known findings',
  description:
    'Findings known when tmesc was adopted on a policy set, which `tmesc validate --baseline FILE` does not report. Each is keyed by code, file, subject (the text the finding is about) and a hash of its statement (layout and comments aside), so moving or reformatting a statement keeps it known and editing it does not. Written by `tmesc validate --write-baseline FILE`.',
  type: 'object',
  additionalProperties: false,
  required: ['formatVersion', 'findings'],
  properties: {
    $schema: { type: 'string' },
    formatVersion: { const: 1 },
    findings: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['code', 'file', 'subject', 'lineHash', 'count'],
        properties: {
          code: { type: 'string', pattern: '^TMES[0-9]{4}$' },
          name: { type: 'string', description: "The code's name, for readers." },
          file: { type: 'string', description: 'The policy file, relative to the baseline file, with / separators.' },
          subject: {
            type: 'string',
            description: 'The source text the finding points at (a rule or definition name).',
          },
          lineHash: {
            type: 'string',
            pattern: '^[0-9a-f]{16}$',
            description:
              "First 16 hex digits of the SHA-256 of the finding's statement or block item as its tokens one space apart (a tap, group or tool: its tokens before '{'); layout and comments do not count.",
          },
          count: { type: 'integer', minimum: 1, description: 'How many such findings are known.' },
          message: { type: 'string', description: 'The message when it was recorded, for readers.' },
        },
      },
    },
  },
} as const;
