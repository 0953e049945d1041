/**
 * JSON Schema (draft-07) of the artifact, format 2 (docs/artifact.md). It is
 * compiled ahead of time into schema-validator.generated.ts (generate-validator.ts).
 */
import { LOAD_FIELD_PATTERN } from '../ir/loads.js';
import { STEP_ORDER } from './steps.js';

const uint = { type: 'integer', minimum: 0 } as const;
const int = { type: 'integer' } as const;
const str = { type: 'string' } as const;
const uints = { type: 'array', items: uint } as const;

const predicate = {
  type: 'object',
  required: ['kind', 'scope'],
  properties: {
    kind: { enum: ['contains', 'regex', 'relation', 'protochain'] },
    scope: { enum: ['outer', 'inner'] },
  },
} as const;

export const ARTIFACT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://tmesc.dev/schemas/artifact-2.json',
  title: 'tmesc compiled policy artifact',
  description:
    'A compiled policy as plain data: no member is code. The runtime generates the classifier from `graph` with its own code generator. Format 1 also held generated JavaScript in `classifier`, which the runtime ran; format 2 has no such member, and tmesc discards it unread when it loads a format 1 artifact.',
  type: 'object',
  additionalProperties: false,
  required: ['format', 'formatVersion', 'compiler', 'policy', 'taps', 'groups', 'rules', 'graph'],
  properties: {
    $schema: {
      type: 'string',
      description:
        'the JSON Schema this artifact follows (this one: its $id, published as schemas/artifact-2.json in the tmesc package)',
    },
    format: { const: 'tmesc-artifact' },
    formatVersion: { const: 2 },
    base: {
      type: 'string',
      minLength: 1,
      description:
        "the directory the artifact's relative paths (tap captures, pcap and pcapng outputs, policy.files) are relative to: the compiled policy's directory, given relative to the directory holding the artifact (or absolute). Artifacts without it hold absolute paths (written before paths were relative); a relative path in one is taken from the artifact's directory",
    },
    compiler: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'version'],
      properties: { name: { const: 'tmesc' }, version: str },
    },
    policy: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'files', 'sourceHash'],
      properties: {
        name: str,
        files: { type: 'array', items: str },
        sourceHash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      },
    },
    taps: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'source', 'marks'],
        properties: {
          name: str,
          source: {
            oneOf: [
              {
                type: 'object',
                additionalProperties: false,
                required: ['kind', 'name'],
                properties: { kind: { const: 'interface' }, name: str },
              },
              {
                type: 'object',
                additionalProperties: false,
                required: ['kind', 'format', 'paths'],
                properties: {
                  kind: { const: 'files' },
                  format: { enum: ['pcap', 'pcapng', 'auto'] },
                  paths: { type: 'array', items: str },
                },
              },
              {
                type: 'object',
                additionalProperties: false,
                required: ['kind', 'left', 'right'],
                properties: { kind: { const: 'inline' }, left: str, right: str },
              },
            ],
          },
          marks: {
            type: 'array',
            items: {
              oneOf: [
                {
                  type: 'object',
                  additionalProperties: false,
                  required: ['kind', 'id', 'priority'],
                  properties: {
                    kind: { const: 'vlan' },
                    id: { type: 'integer', minimum: 1, maximum: 4094 },
                    priority: { type: 'integer', minimum: 0, maximum: 7 },
                  },
                },
                {
                  type: 'object',
                  additionalProperties: false,
                  required: ['kind'],
                  properties: { kind: { const: 'comment' } },
                },
              ],
            },
          },
        },
      },
    },
    groups: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'tools', 'balance', 'actions'],
        properties: {
          name: str,
          tools: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['name', 'output'],
              properties: {
                name: str,
                output: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['kind', 'target'],
                  properties: {
                    kind: { enum: ['interface', 'pcap', 'pcapng'] },
                    target: str,
                    precision: {
                      enum: ['us', 'ns'],
                      description: "timestamp resolution of a file output; absent: the inputs' (docs/language.md)",
                    },
                  },
                },
                rateBps: { type: 'number', exclusiveMinimum: 0 },
              },
            },
          },
          balance: {
            type: 'object',
            additionalProperties: false,
            required: ['symmetric', 'inner'],
            properties: { symmetric: { type: 'boolean' }, inner: { type: 'boolean' } },
          },
          steps: { type: 'array', uniqueItems: true, items: { enum: [...STEP_ORDER] } },
          actions: {
            type: 'object',
            additionalProperties: false,
            required: ['strip', 'masks', 'replaces'],
            properties: {
              strip: { type: 'array', items: str },
              masks: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['kind', 'fill'],
                  properties: {
                    kind: { enum: ['card-number', 'credentials', 'regex'] },
                    source: str,
                    flags: str,
                    fill: { type: 'string', minLength: 1 },
                  },
                },
              },
              replaces: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['source', 'flags', 'text'],
                  properties: { source: str, flags: str, text: str },
                },
              },
              truncate: {
                type: 'object',
                additionalProperties: false,
                required: ['what', 'bytes'],
                properties: { what: { enum: ['payload', 'frame'] }, bytes: uint },
              },
              timestamp: {
                type: 'object',
                additionalProperties: false,
                required: ['ipv4', 'ipv6', 'other'],
                properties: {
                  ipv4: { enum: ['ip-option', 'trailer'] },
                  ipv6: { enum: ['skip', 'destination-option', 'hop-by-hop', 'trailer'] },
                  other: { enum: ['skip', 'trailer'] },
                },
              },
              shape: {
                type: 'object',
                additionalProperties: false,
                required: ['burstBytes'],
                properties: { burstBytes: uint },
              },
              dedup: {
                type: 'object',
                additionalProperties: false,
                required: ['windowNs'],
                properties: { windowNs: uint },
              },
            },
          },
        },
      },
    },
    rules: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'taps', 'action', 'groups'],
        properties: {
          name: str,
          taps: { oneOf: [{ const: 'any' }, uints] },
          action: { enum: ['to', 'drop'] },
          groups: uints,
        },
      },
    },
    graph: {
      description: 'the match graph (src/ir/graph.ts), from which the runtime generates its classifier',
      type: 'object',
      additionalProperties: false,
      required: ['fields', 'preds', 'nodes', 'leaves', 'segments', 'optimized', 'ruleLevel'],
      properties: {
        fields: {
          type: 'array',
          items: {
            type: 'string',
            pattern: `^(inner\\.)?[A-Za-z0-9]+$|^pred:[0-9]+$|${LOAD_FIELD_PATTERN}`,
          },
        },
        preds: { type: 'array', items: predicate },
        nodes: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['field', 'cuts', 'kids', 'lookup'],
            properties: {
              field: uint,
              cuts: { type: 'array', minItems: 2, items: int },
              kids: { type: 'array', minItems: 2, items: int },
              lookup: {
                enum: ['compare', 'binary', 'hash'],
                description:
                  "the lowering pass's label, shown in listings; neither code generation nor the table walk reads it",
              },
            },
          },
        },
        leaves: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['rules', 'to', 'drop', 'groups'],
            properties: { rules: uints, to: uints, drop: uints, groups: uints },
          },
        },
        segments: {
          type: 'array',
          items: int,
          description:
            'roots of the segments: a packet goes to the union of what the leaves it reaches in them say (one segment per subset of the groups; -O0: one per rule)',
        },
        counting: {
          type: 'array',
          description:
            "tables counting the rules that segments with group leaves do not list, each walked only when its segment's leaf sends to or drops one of its groups",
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['segment', 'root', 'groups'],
            properties: { segment: uint, root: int, groups: uints },
          },
        },
        optimized: { type: 'boolean' },
        ruleLevel: { type: 'boolean', description: 'whether every rule has a counter' },
        uncounted: {
          ...uints,
          description: 'when ruleLevel is false: the rules without a counter (absent: none has one)',
        },
      },
    },
  },
} as const;
