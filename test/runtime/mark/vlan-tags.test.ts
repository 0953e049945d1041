import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CaptureWriter } from '../../../src/runtime/capture/capture-writer.js';
import { insertTags, vlanTags } from '../../../src/runtime/mark/vlan-tags.js';
import { tempDir } from '../../support/tools.js';

const frame = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('vlanTags', () => {
  it('puts the last mark outermost, as pushing each tag in turn after the addresses does', () => {
    const tags = vlanTags([
      { kind: 'vlan', id: 100, priority: 0 },
      { kind: 'comment' },
      { kind: 'vlan', id: 0xabc, priority: 5 },
    ]);
    expect([...tags!]).toEqual([0x81, 0x00, 0xaa, 0xbc, 0x81, 0x00, 0x00, 100]);
  });

  it('is undefined for a tap that pushes no tag', () => {
    expect(vlanTags([{ kind: 'comment' }])).toBeUndefined();
    expect(vlanTags([])).toBeUndefined();
  });
});

describe('tags inserted by the encoder as it writes the record', () => {
  for (const format of ['pcap', 'pcapng'] as const)
    it(`writes the same ${format} file as writing a tagged copy of each frame`, () => {
      const { dir, cleanup } = tempDir('vlan-tags-');
      onTestFinished(cleanup);
      const tags = vlanTags([
        { kind: 'vlan', id: 7, priority: 1 },
        { kind: 'vlan', id: 4094, priority: 7 },
      ])!;
      const frames = [14, 15, 60, 64, 65, 1514, 9000].map((n, i) => frame(n, i));
      const write = (path: string, tagged: boolean) => {
        const w = new CaptureWriter(path, { format, bufferSize: 4096 });
        const id = w.interfaceFor(1, 'tap t');
        const out = new Uint8Array(9100);
        frames.forEach((f, i) => {
          const comment = i % 2 ? 'tap t' : undefined;
          if (tagged) w.writePacket(id, f, 1_700_000_000 + i, i * 1000, f.length + tags.length, comment, tags);
          else
            w.writePacket(id, insertTags(f, tags, out), 1_700_000_000 + i, i * 1000, f.length + tags.length, comment);
        });
        w.close();
        return readFileSync(path);
      };
      const a = write(join(dir, `a.${format}`), true);
      const b = write(join(dir, `b.${format}`), false);
      expect(a.equals(b)).toBe(true);
      // and the copy is the frame with the tags after its 12 address bytes
      const f = frames[3];
      expect([...insertTags(f, tags, new Uint8Array(100))]).toEqual([...f.slice(0, 12), ...tags, ...f.slice(12)]);
    });
});
