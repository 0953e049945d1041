import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/gen/generate.js';
import { CaptureWriter } from '../../src/runtime/capture/capture-writer.js';
import { openCapture } from '../../src/runtime/capture/open.js';
import { built, spawnTmesc } from './built.js';

/**
 * Audit s5: a pcapng input's packet comments (opt_comment, what Wireshark's "Packet Comment..." and
 * `editcap -a` write) are read, then dropped on the way to a pcapng output, without a word; mergecap and
 * editcap keep them. Found, not fixed: carrying the record's comment means the per-record pipeline, the
 * generated path's walked steps (src/runtime/engine/walked-steps.ts, another helper's area) and the workers'
 * batches; reported to the coordinator (/work/notes/audit.md, Session 5).
 */

const dir = mkdtempSync(join(tmpdir(), 'tmesc-run-comments-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COMMENTS = [undefined, 'seen by the NOC at 10:02', undefined, 'second look'];

function comments(path: string): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  openCapture(path).readBatch(Infinity, (r) => out.push(r.comment));
  return out;
}

beforeAll(() => {
  generate({ output: join(dir, 'g.pcap'), packets: COMMENTS.length, seed: 5 });
  const w = new CaptureWriter(join(dir, 'in.pcapng'), { format: 'pcapng' });
  const id = w.interfaceFor(1, 'eth0');
  let i = 0;
  openCapture(join(dir, 'g.pcap')).readBatch(Infinity, (r) => {
    w.writePacket(id, r.data.slice(0, r.capLen), r.tsSec, r.tsNsec, r.wireLen, COMMENTS[i++]);
  });
  w.close();
  writeFileSync(
    join(dir, 'p.tmes'),
    `policy "p"\ntap t { source pcapng "in.pcapng" }\ngroup g {\n  tool a { output pcapng "out/a.pcapng" }\n}\nrule all from any match any to g\n`,
  );
});

describe.skipIf(!built)('tmesc run keeps a pcapng input packet comments', () => {
  it('the input has them', () => {
    expect(comments(join(dir, 'in.pcapng'))).toEqual(COMMENTS);
  });

  for (const path of ['generated', 'decoder'])
    it.fails(`a group without actions writes them to its pcapng tool (--packet-path ${path})`, () => {
      const out = join(dir, `out-${path}`);
      const r = spawnTmesc(['run', '--no-progress', join(dir, 'p.tmes'), '--packet-path', path, '--out-dir', out]);
      expect(r.code, r.err).toBe(0);
      expect(comments(join(out, 'a.pcapng'))).toEqual(COMMENTS); // today: every comment undefined
    });
});
