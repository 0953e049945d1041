/**
 * JSON Schema (draft-07) of report.json, what `tmesc compile --emit openflow`
 * says about the program it wrote (report.ts), published as
 * schemas/openflow-report-1.json by scripts/generate-schemas.ts
 * (test/cli/schemas.test.ts holds the file to this).
 */
const uint = { type: 'integer', minimum: 0 } as const;
const str = { type: 'string' } as const;
const strs = { type: 'array', items: str } as const;
const obj = (required: string[], properties: Record<string, unknown>) =>
  ({ type: 'object', additionalProperties: false, required, properties }) as const;

export const OPENFLOW_REPORT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://tmesc.dev/schemas/openflow-report-1.json',
  title: 'tmesc OpenFlow program report',
  description:
    'What a switch does of a policy (flows and groups for Open vSwitch, OpenFlow 1.3), what stays on the host and how packets reach it, with the figures.',
  ...obj(['$schema', 'format', 'policy', 'portsMap', 'counts', 'setup', 'taps', 'groups', 'host', 'hostDecides'], {
    $schema: str,
    format: { const: 'tmesc-openflow-report' },
    policy: str,
    portsMap: str,
    bridge: str,
    fieldsIn: {
      enum: ['headers', 'registers'],
      description:
        'Where the flows match L4 ports and IPv4 addresses: where Open vSwitch parses them, or moved into registers at ingress.',
    },
    counts: obj(
      [
        'flows',
        'openflowGroups',
        'tables',
        'graphNodes',
        'segments',
        'parts',
        'switchGraphNodes',
        'nodesWithFlows',
        'leaves',
        'rules',
        'taps',
        'rulesTimesTaps',
        'flowsPerRuleTap',
      ],
      {
        flows: uint,
        openflowGroups: uint,
        tables: uint,
        graphNodes: uint,
        segments: uint,
        parts: uint,
        switchGraphNodes: uint,
        nodesWithFlows: uint,
        leaves: uint,
        rules: uint,
        taps: uint,
        rulesTimesTaps: uint,
        flowsPerRuleTap: { type: 'number', minimum: 0 },
      },
    ),
    setup: strs,
    taps: {
      type: 'array',
      items: obj(['name', 'port', 'vlanMarks'], {
        name: str,
        port: uint,
        vlanMarks: { type: 'array', items: obj(['id', 'priority'], { id: uint, priority: uint }) },
      }),
    },
    groups: {
      type: 'array',
      items: obj(['name', 'side', 'host', 'tools', 'openflowGroups', 'switchSteps', 'viaHost', 'notes'], {
        name: str,
        side: { enum: ['switch', 'host'] },
        host: strs,
        tools: {
          type: 'array',
          items: obj(['name', 'port'], { name: str, port: { anyOf: [uint, { type: 'null' }] }, weight: uint }),
        },
        openflowGroups: { type: 'array', items: uint },
        switchSteps: strs,
        viaHost: strs,
        balance: obj(['switch', 'tmesc', 'expectedAgreement'], {
          switch: str,
          tmesc: str,
          expectedAgreement: { type: 'number', minimum: 0, maximum: 1 },
        }),
        notes: strs,
      }),
    },
    host: {
      anyOf: [
        { type: 'null' },
        obj(['name', 'port', 'vlansUsed', 'toHost', 'fromHost'], {
          name: str,
          port: uint,
          vlansUsed: uint,
          toHost: {
            type: 'array',
            items: obj(['vid', 'tap', 'means'], {
              vid: uint,
              tap: str,
              means: { enum: ['host-groups', 'all-groups'] },
            }),
          },
          fromHost: {
            type: 'array',
            items: {
              anyOf: [
                obj(['vid', 'group', 'markedAs'], { vid: uint, group: str, markedAs: strs }),
                obj(['vid', 'tool', 'port'], { vid: uint, tool: str, port: uint }),
              ],
            },
          },
        }),
      ],
    },
    hostDecides: {
      type: 'array',
      items: obj(['test', 'when', 'rules'], { test: str, when: strs, rules: strs }),
    },
  }),
} as const;
