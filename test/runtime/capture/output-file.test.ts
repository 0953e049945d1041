import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureError } from '../../../src/runtime/capture/errors.js';
import { OutputFile, OutputSet } from '../../../src/runtime/capture/output-file.js';
import { tempDir } from '../../support/tools.js';

const tmp = tempDir('tmesc-output-file-');
afterAll(tmp.cleanup);

let n = 0;
function fresh(): string {
  const d = join(tmp.dir, `d${++n}`);
  mkdirSync(d);
  return d;
}

const bytes = (s: string) => new TextEncoder().encode(s);
const write = (f: OutputFile, s: string, at: number) =>
  new Promise<void>((resolve, reject) => f.write(bytes(s), 0, s.length, at, (e) => (e ? reject(e) : resolve())));

describe('OutputFile', () => {
  it('writes under a random temporary name in the target directory, renamed on commit', () => {
    const d = fresh();
    const a = OutputFile.open(join(d, 'x.pcap'));
    const b = OutputFile.open(join(d, 'x.pcap'));
    expect(a.tempPath).not.toBe(b.tempPath);
    expect(readdirSync(d).sort()).toEqual([a.tempPath, b.tempPath].map((p) => p!.split('/').pop()).sort());
    a.writeSync(bytes('abc'), 0, 3, 0);
    a.commit();
    b.discard();
    expect(readdirSync(d)).toEqual(['x.pcap']);
    expect(readFileSync(join(d, 'x.pcap'), 'utf8')).toBe('abc');
  });

  it('a discard while writes are in flight waits for them, then removes the temporary file', async () => {
    const d = fresh();
    writeFileSync(join(d, 'x.pcap'), 'old');
    const f = OutputFile.open(join(d, 'x.pcap'));
    const landed = [write(f, 'a'.repeat(1 << 20), 0), write(f, 'b'.repeat(1 << 20), 1 << 20)];
    f.discard();
    expect(f.isOpen).toBe(false);
    expect(() => f.writeSync(bytes('c'), 0, 1, 2 << 20)).toThrowError(CaptureError);
    await Promise.all(landed);
    expect(readdirSync(d)).toEqual(['x.pcap']);
    expect(readFileSync(join(d, 'x.pcap'), 'utf8')).toBe('old');
  });

  it('a stream takes writes only in order', () => {
    const f = OutputFile.open('/dev/null');
    expect(f.streaming).toBe(true);
    f.writeSync(bytes('abc'), 0, 3, 0);
    expect(() => f.writeSync(bytes('abc'), 0, 3, 10)).toThrowError('out-of-order write to a stream');
    f.commit();
  });
});

describe('OutputSet', () => {
  it('renames nothing until publishAll, then everything', () => {
    const d = fresh();
    const set = new OutputSet();
    const files = ['a', 'b'].map((x) => set.add(OutputFile.open(join(d, x))));
    files.forEach((f, i) => {
      f.writeSync(bytes(String(i)), 0, 1, 0);
      f.commit();
    });
    expect(existsSync(join(d, 'a'))).toBe(false);
    set.publishAll();
    expect(readdirSync(d).sort()).toEqual(['a', 'b']);
  });

  it('a rename that fails says what is in place and what is not, and leaves no temporary file', () => {
    const d = fresh();
    const set = new OutputSet();
    const files = ['a', 'b', 'c'].map((x) => set.add(OutputFile.open(join(d, x))));
    for (const f of files) f.commit();
    // b's path became a directory during the run
    mkdirSync(join(d, 'b'));
    expect(() => set.publishAll()).toThrowError(
      `${join(d, 'b')}: the output path is a directory, which tmesc will not replace; already in place: ${join(d, 'a')}; not written: ${join(d, 'c')}`,
    );
    expect(readdirSync(d).sort()).toEqual(['a', 'b']);
  });

  it('discardAll removes every temporary file and names the streams already sent data', () => {
    const d = fresh();
    const set = new OutputSet();
    const file = set.add(OutputFile.open(join(d, 'a')));
    const stream = set.add(OutputFile.open('/dev/null'));
    file.writeSync(bytes('x'), 0, 1, 0);
    stream.writeSync(bytes('x'), 0, 1, 0);
    expect(set.discardAll()).toEqual(['/dev/null']);
    expect(readdirSync(d)).toEqual([]);
  });
});
