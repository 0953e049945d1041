import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifest } from './corpus.js';
import { hasTool, isRoot, requirements } from './tools.js';

describe('tool detection', () => {
  it('finds what is on PATH and nothing else', () => {
    expect(hasTool('sh')).toBe(true);
    expect(hasTool('tmesc-no-such-tool')).toBe(false);
  });

  it('says what a suite misses in the note its name carries', () => {
    expect(requirements({ tools: ['sh'] })).toEqual({ skip: false, note: '' });
    expect(requirements({ tools: ['sh', 'tmesc-no-such-tool', 'tmesc-nor-this'] })).toEqual({
      skip: true,
      note: ' [skipped: tmesc-no-such-tool, tmesc-nor-this not installed]',
    });
    expect(requirements({ root: true })).toEqual(
      isRoot() ? { skip: false, note: '' } : { skip: true, note: ' [skipped: needs root]' },
    );
  });
});

describe('the corpus manifest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tmesc-manifest-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is read by column name, whatever the order, with empty categories and protocols', () => {
    const path = join(dir, 'MANIFEST.tsv');
    writeFileSync(
      path,
      [
        'packets\tfile\tcategories\tlink_type\tbytes\tprotocols\tsource',
        '2\ta.pcap\tvlan,qinq\tether\t184\teth:vlan:arp\tsomewhere',
        '0\tempty.pcapng\t\tlinux-sll\t64\t\t',
        '',
      ].join('\n'),
    );
    expect(readManifest(path)).toEqual([
      {
        file: 'a.pcap',
        bytes: 184,
        linkType: 'ether',
        packets: 2,
        categories: ['vlan', 'qinq'],
        protocols: 'eth:vlan:arp',
      },
      { file: 'empty.pcapng', bytes: 64, linkType: 'linux-sll', packets: 0, categories: [], protocols: '' },
    ]);
  });

  it('names a missing column', () => {
    const path = join(dir, 'BAD.tsv');
    writeFileSync(path, 'file\tbytes\n');
    expect(() => readManifest(path)).toThrow(/no link_type column/);
  });
});
