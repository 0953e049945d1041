import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureWriter } from '../../../src/runtime/capture/capture-writer.js';
import { CaptureError } from '../../../src/runtime/capture/errors.js';
import { captureInterfaces, openCapture } from '../../../src/runtime/capture/open.js';
import { frame } from './support/synth.js';
import { lines, missingTools, tempDir, tsharkFrames } from '../../support/tools.js';

const tmp = tempDir('tmesc-writer-');
afterAll(tmp.cleanup);

function readBack(path: string): string[] {
  const src = openCapture(path);
  const out: string[] = [];
  src.readBatch(Infinity, (r) =>
    out.push(
      `${r.packetNumber} ${r.linkType}/${r.interfaceName ?? '-'} ${r.tsSec}.${r.tsNsec} ${r.capLen}/${r.wireLen} ${r.data[0]} ${r.comment ?? ''}`,
    ),
  );
  return out;
}

describe('CaptureWriter', () => {
  it('writes under an unpredictable temporary name beside the file and renames on close', () => {
    const path = join(tmp.dir, 'atomic.pcap');
    const temps = () => readdirSync(tmp.dir).filter((f) => f.startsWith('.atomic.pcap.'));
    const w = new CaptureWriter(path, { format: 'pcap', linkType: 1 });
    w.writePacket(0, frame(60, 1), 10, 20);
    expect(existsSync(path)).toBe(false);
    expect(temps()).toEqual([expect.stringMatching(/^\.atomic\.pcap\.tmesc-[0-9a-f]{16}\.tmp$/)]);
    const other = new CaptureWriter(path, { format: 'pcap', linkType: 1 });
    expect(temps()).toHaveLength(2);
    other.abort();
    w.close();
    expect(existsSync(path)).toBe(true);
    expect(temps()).toEqual([]);
    w.close(); // a second close is harmless
  });

  it('abort() removes the temporary file and leaves an existing file alone', () => {
    const path = join(tmp.dir, 'aborted.pcap');
    writeFileSync(path, 'previous');
    const w = new CaptureWriter(path, { format: 'pcapng' });
    w.writePacket(w.interfaceFor(1), frame(60, 1), 10, 20);
    w.abort();
    expect(readFileSync(path, 'utf8')).toBe('previous');
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('.aborted.pcap.'))).toEqual([]);
    expect(() => w.writePacket(0, frame(1, 1), 0, 0)).toThrowError(CaptureError);
  });

  it('keeps timestamps, lengths and bytes in pcap (microsecond and nanosecond) and pcapng', () => {
    for (const [format, resolution, nsec] of [
      ['pcap', 'us', 123_456_000],
      ['pcap', 'ns', 123_456_789],
      ['pcapng', 'us', 123_456_000],
      ['pcapng', 'ns', 123_456_789],
    ] as const) {
      const path = join(tmp.dir, `keep-${resolution}.${format}`);
      const w = new CaptureWriter(path, { format, resolution, linkType: 1 });
      w.writePacket(0, frame(60, 7), 4_000_000_000, 123_456_789, 1514);
      w.writePacket(0, frame(3, 8), 0, 0);
      w.close();
      expect(readBack(path)).toEqual([`1 1/- 4000000000.${nsec} 60/1514 7 `, '2 1/- 0.0 3/3 8 ']);
    }
  });

  it('declares one pcapng interface per (link type, name) and keeps comments', () => {
    const path = join(tmp.dir, 'ifaces.pcapng');
    const w = new CaptureWriter(path, { format: 'pcapng' });
    const eth0 = w.interfaceFor(1, 'eth0');
    const raw = w.interfaceFor(101);
    expect(w.interfaceFor(1, 'eth0')).toBe(eth0);
    const eth1 = w.interfaceFor(1, 'eth1', 'second port');
    w.writePacket(raw, frame(20, 1), 1, 1);
    w.writePacket(eth0, frame(60, 2), 2, 2, 60, 'first comment');
    w.writePacket(eth1, frame(61, 3), 3, 3, 61, 'ünïcode ✓');
    w.writePacket(eth0, frame(62, 4), 4, 4, 62, '');
    w.close();
    expect([eth0, raw, eth1]).toEqual([0, 1, 2]);
    expect(readBack(path)).toEqual([
      '1 101/- 1.1 20/20 1 ',
      '2 1/eth0 2.2 60/60 2 first comment',
      '3 1/eth1 3.3 61/61 3 ünïcode ✓',
      '4 1/eth0 4.4 62/62 4 ',
    ]);
    expect(captureInterfaces(path).map((i) => [i.linkType, i.name, i.description, i.tsResolExp])).toEqual([
      [1, 'eth0', undefined, 9],
      [101, undefined, undefined, 9],
      [1, 'eth1', 'second port', 9],
    ]);
  });

  it('refuses a second link type in pcap, and an undeclared interface, with CaptureError', () => {
    const w = new CaptureWriter(join(tmp.dir, 'one-link.pcap'), { format: 'pcap' });
    expect(w.interfaceFor(113)).toBe(0);
    expect(() => w.interfaceFor(1)).toThrowError(/one link type/);
    expect(() => w.writePacket(1, frame(1, 1), 0, 0)).toThrowError(CaptureError);
    w.abort();
  });

  it('copies records from a reader, including ones larger than its buffer', () => {
    const input = join(tmp.dir, 'src.pcapng');
    const w = new CaptureWriter(input, { format: 'pcapng', bufferSize: 4096 });
    const id = w.interfaceFor(1, 'big');
    for (let i = 0; i < 50; i++)
      w.writePacket(
        id,
        frame(i === 25 ? 100_000 : 100 + i, i),
        100 + i,
        i * 1000,
        undefined,
        i % 10 === 0 ? `c${i}` : undefined,
      );
    w.close();
    const output = join(tmp.dir, 'copy.pcapng');
    const copy = new CaptureWriter(output, { format: 'pcapng', bufferSize: 1024 });
    const src = openCapture(input, { bufferSize: 2048 });
    src.readBatch(Infinity, (r) => copy.writeRecord(r));
    copy.close();
    expect(readFileSync(output)).toEqual(readFileSync(input));
    expect(copy.packetsWritten).toBe(50);
  });

  it('writes an empty but valid pcap when no packet came', () => {
    const path = join(tmp.dir, 'empty.pcap');
    new CaptureWriter(path, { format: 'pcap' }).close();
    expect(readFileSync(path).length).toBe(24);
    expect(openCapture(path).next()).toBeNull();
  });

  it('reports an unwritable destination as a CaptureError', () => {
    expect(() => new CaptureWriter(join(tmp.dir, 'no-such-dir', 'x.pcap'), { format: 'pcap' })).toThrowError(
      CaptureError,
    );
  });
});

const tools = missingTools('tshark');
describe.skipIf(tools.skip)(`written files agree with tshark${tools.note}`, () => {
  it.each(['pcap', 'pcapng'] as const)('%s with nanoseconds and comments', async (format) => {
    const path = join(tmp.dir, `tshark.${format}`);
    const w = new CaptureWriter(path, { format, resolution: 'ns', linkType: 1 });
    w.writePacket(0, frame(60, 1), 1_700_000_000, 1, 1514, 'a comment');
    w.writePacket(0, frame(42, 2), 1_700_000_001, 999_999_999);
    w.close();
    const comment = format === 'pcapng' ? 'a comment' : '';
    expect(lines(await tsharkFrames(path, ['frame.comment']))).toEqual([
      `1514\t60\t1700000000.000000001\t${comment}`,
      '42\t42\t1700000001.999999999\t',
    ]);
  });
});
