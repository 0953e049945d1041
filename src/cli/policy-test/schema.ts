/**
 * JSON Schema (draft-07) of a policy tests file (`tmesc test POLICY TESTS`),
 * published as schemas/tests-1.json (scripts/generate-schemas.ts writes it; a
 * test fails while it is stale). A tests file names it in `$schema`, so that
 * editors complete and check it.
 */
const names = {
  type: 'array',
  items: { type: 'string', minLength: 1 },
  description:
    'Groups or tools, by name. A name is a group if the policy has a group of that name, else a tool; write group:NAME or tool:NAME where a group and a tool share a name.',
} as const;

export const TESTS_SCHEMA_ID = 'https://tmesc.dev/schemas/tests-1.json';

export const TESTS_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: TESTS_SCHEMA_ID,
  title: 'tmesc policy tests',
  description:
    'Unit tests of a .tmes policy: packets, described as `tmesc explain --packet` takes them or taken from a capture, and the groups and tools each must reach or must not reach. Run with `tmesc test POLICY TESTS`.',
  type: 'object',
  additionalProperties: false,
  required: ['tests'],
  properties: {
    $schema: { type: 'string', description: 'This schema: https://tmesc.dev/schemas/tests-1.json' },
    tap: {
      type: 'string',
      minLength: 1,
      description: 'The tap packets come from when a test names none (as explain --tap).',
    },
    tests: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1, description: 'What the test checks, shown in reports.' },
          packet: {
            type: 'string',
            minLength: 1,
            description:
              'A packet in the words of `tmesc explain --packet`, e.g. "tap core-a tcp 198.51.100.7:51000 > 10.1.2.3:443 flags syn".',
          },
          pcap: {
            type: 'string',
            minLength: 1,
            description: 'A capture file (relative to the tests file) holding the packets, with `frame`.',
          },
          frame: {
            description:
              'Packet numbers of `pcap`, from 1 as Wireshark numbers them: N, "N,M" or "N-M"; each must pass.',
            oneOf: [
              { type: 'integer', minimum: 1 },
              { type: 'string', pattern: '^\\s*\\d+\\s*(-\\s*\\d+\\s*)?(,\\s*\\d+\\s*(-\\s*\\d+\\s*)?)*$' },
            ],
          },
          tap: { type: 'string', minLength: 1, description: 'The tap the packet comes from.' },
          reaches: { ...names, description: `Each of these must receive the packet. ${names.description}` },
          doesNotReach: { ...names, description: `None of these may receive the packet. ${names.description}` },
          reachesOnly: {
            ...names,
            description: `The packet reaches these and nothing else ([] : it goes nowhere). ${names.description}`,
          },
          matches: {
            type: 'array',
            items: { type: 'string', minLength: 1 },
            description: 'Rules (by name) that must match the packet.',
          },
        },
        oneOf: [
          { required: ['packet'], not: { anyOf: [{ required: ['pcap'] }, { required: ['frame'] }] } },
          { required: ['pcap', 'frame'], not: { required: ['packet'] } },
        ],
        anyOf: [
          { required: ['reaches'] },
          { required: ['doesNotReach'] },
          { required: ['reachesOnly'] },
          { required: ['matches'] },
        ],
      },
    },
  },
} as const;
