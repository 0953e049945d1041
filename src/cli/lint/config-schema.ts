/**
 * JSON Schema (draft-07) of the lint configuration, `.tmesc.json` or
 * `tmesc.config.json`, published as schemas/config-1.json (a test keeps the
 * file equal to this). A configuration names it in `$schema`.
 */
export const CONFIG_SCHEMA_ID = 'https://tmesc.dev/schemas/config-1.json';

export const SEVERITY_SETTINGS = ['off', 'info', 'warning', 'error'] as const;
export const FAIL_LEVELS = ['error', 'warning', 'info'] as const;

export const CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: CONFIG_SCHEMA_ID,
  title: 'tmesc lint configuration',
  description:
    "How `tmesc validate` (and the language server) report the findings of the policies under this directory: the severity of each code, the level that fails a run, and a baseline of known findings. Found as .tmesc.json or tmesc.config.json in the policy's directory or the nearest directory above it; `tmesc validate --config FILE` names one instead.",
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string', description: 'This schema: https://tmesc.dev/schemas/config-1.json' },
    rules: {
      type: 'object',
      description:
        'Severity by code (TMES0500) or name (unused-definition): off, info, warning or error. Codes whose severity is error make a policy unrunnable and cannot be lowered (docs/cli.md, Lint configuration).',
      propertyNames: { pattern: '^(TMES[0-9]{4}|[a-z][a-z0-9-]*)$' },
      additionalProperties: { enum: [...SEVERITY_SETTINGS] },
    },
    failLevel: {
      enum: [...FAIL_LEVELS],
      description: 'The least severe finding that fails the run (exit 1); default error. --fail-level overrides it.',
    },
    baseline: {
      type: 'string',
      minLength: 1,
      description: 'A baseline file of known findings (relative to this file), as --baseline gives one.',
    },
  },
} as const;
