import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../src/fields/fields.js';
import { generate } from '../../src/gen/generate.js';
import { CaptureWriter } from '../../src/runtime/capture/capture-writer.js';
import { openCapture } from '../../src/runtime/capture/open.js';
import { COMMENT_SEPARATOR } from '../../src/runtime/capture/packet-comments.js';
import type { RunStats } from '../../src/runtime/stats/stats.js';
import { requirements } from '../support/tools.js';
import { built, spawnTmesc } from './built.js';

/**
 * A pcapng input's packet comments (opt_comment: what Wireshark's "Packet
 * Comment..." and `editcap -a` write) reach every pcapng output, on every
 * packet path: the generated walk (a group without actions: walked steps),
 * the decoder path, groups whose actions work on replicas (truncate payload,
 * mask), worker threads; several comments on one packet stay several, in order, and a
 * tap's `mark comment` comes after them. Read back by tshark (frame.comment).
 * A pcap output cannot hold them: the packets that lost theirs are counted in
 * that tool's stats (not a duplicate dedup dropped, nor a packet the file
 * refused for its link type) and said once on standard error.
 */
const need = requirements({ tools: ['tshark'] });
const dir = mkdtempSync(join(tmpdir(), 'tmesc-run-comments-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GENERATED = 12;
/** The input's comments, by packet; after the generated packets: a duplicate of packet 5, then a raw IP packet. */
const COMMENTS: string[][] = [
  [],
  ['seen by the NOC at 10:02'],
  [],
  [],
  ['first look', 'second look, with a comma'],
  [],
  [],
  ['café ü ☃ (not ASCII)'],
  [],
  [],
  [],
  ['last one'],
  // the duplicate of packet 5, a microsecond later: a dedup group drops it
  ['copy of 5'],
  // raw IP: a pcap file holding Ethernet refuses it
  ['raw ip'],
];
const commented = COMMENTS.filter((c) => c.length > 0).length;

/** frame.comment of every packet, as tshark reads the file (several comments: joined by '|'). */
function tsharkComments(path: string): string[][] {
  const out = execFileSync('tshark', ['-n', '-r', path, '-T', 'fields', '-E', 'aggregator=|', '-e', 'frame.comment'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out
    .split('\n')
    .slice(0, -1)
    .map((l) => (l === '' ? [] : l.split('|')));
}

beforeAll(() => {
  generate({ output: join(dir, 'g.pcap'), packets: GENERATED, seed: 5 });
  const frames: { data: Uint8Array; tsSec: number; tsNsec: number; wireLen: number }[] = [];
  openCapture(join(dir, 'g.pcap')).readBatch(Infinity, (r) => {
    frames.push({ data: r.data.slice(0, r.capLen), tsSec: r.tsSec, tsNsec: r.tsNsec, wireLen: r.wireLen });
  });
  expect(frames.length).toBe(GENERATED);
  const last = frames[GENERATED - 1];
  const w = new CaptureWriter(join(dir, 'in.pcapng'), { format: 'pcapng' });
  const eth = w.interfaceFor(LINKTYPE.ETHERNET, 'eth0');
  const raw = w.interfaceFor(LINKTYPE.RAW, 'ip0');
  const note = (i: number) => (COMMENTS[i].length === 0 ? undefined : COMMENTS[i].join(COMMENT_SEPARATOR));
  frames.forEach((f, i) => {
    w.writePacket(eth, f.data, f.tsSec, f.tsNsec, f.wireLen, note(i));
    if (i === 4) {
      const ns = f.tsNsec + 1000;
      w.writePacket(eth, f.data, f.tsSec + Math.floor(ns / 1e9), ns % 1e9, f.wireLen, note(GENERATED));
    }
  });
  w.writePacket(raw, last.data.subarray(14), last.tsSec + 1, 0, last.wireLen - 14, note(GENERATED + 1));
  w.close();
  // mask keeps stream state, so a run with it stays on one thread: the workers' runs go without
  for (const masked of [true, false]) {
    const m = masked ? 'group masked { tool b { output pcapng "b.pcapng" } mask credentials }\n' : '';
    const to = masked ? ', masked' : '';
    writeFileSync(
      join(dir, `p${masked ? '' : '-workers'}.tmes`),
      `policy "p"
tap t { source pcapng "in.pcapng" }
group plain { tool a { output pcapng "a.pcapng" } }
group trimmed { tool f { output pcapng "f.pcapng" } truncate payload 0 }
${m}group flat { tool c { output pcap "c.pcap" } }
group once { tool d { output pcap "d.pcap" } dedup window 10 ms }
rule all from any match any to plain, trimmed${to}, flat, once
`,
    );
    writeFileSync(
      join(dir, `m${masked ? '' : '-workers'}.tmes`),
      `policy "m"
tap t { source pcapng "in.pcapng"; mark comment }
group plain { tool a { output pcapng "a.pcapng" } }
group cut { tool e { output pcapng "e.pcapng" } truncate frame 40 }
group trimmed { tool f { output pcapng "f.pcapng" } truncate payload 0 }
${m}rule all from any match any to plain, cut, trimmed${to}
`,
    );
  }
});

/** The input's order: the duplicate of packet 5 right after it, the raw IP packet last. */
const inFileOrder = [...COMMENTS.slice(0, 5), COMMENTS[GENERATED], ...COMMENTS.slice(5, GENERATED), COMMENTS[13]];

/** How the runs go: the packet path (generated: walked steps for the groups without actions), worker threads. */
const PATHS: [string, string[]][] = [
  ['generated', ['--packet-path', 'generated']],
  ['decoder', ['--packet-path', 'decoder']],
  ['workers', ['--workers', '2']],
  ['workers, decoder', ['--workers', '2', '--packet-path', 'decoder']],
];

/** tmesc run over policy p or m as `args` say; a run with workers must not have fallen back to one thread. */
function run(policy: 'p' | 'm', out: string, args: string[], stats: string[] = []) {
  const workers = args.includes('--workers');
  const r = spawnTmesc([
    'run',
    '--no-progress',
    ...stats,
    join(dir, `${policy}${workers ? '-workers' : ''}.tmes`),
    '--out-dir',
    out,
    ...args,
  ]);
  expect(r.code, r.err).toBe(0);
  if (workers) expect(r.err).not.toContain('one thread');
  return { ...r, outputs: workers ? ['a.pcapng', 'f.pcapng'] : ['a.pcapng', 'f.pcapng', 'b.pcapng'] };
}

describe.skipIf(!built || need.skip)(`tmesc run keeps a pcapng input's packet comments${need.note}`, () => {
  it('tshark reads them in the input', () => {
    expect(tsharkComments(join(dir, 'in.pcapng'))).toEqual(inFileOrder);
  });

  for (const [name, args] of PATHS) {
    it(`pcapng outputs keep them, pcap outputs count and say what they lost (${name})`, () => {
      const out = join(dir, `out-${name.replace(/\W+/g, '-')}`);
      const r = run('p', out, args, ['--stats', 'json']);
      const stats = JSON.parse(r.out) as RunStats;
      for (const f of r.outputs) expect(tsharkComments(join(out, f)), f).toEqual(inFileOrder);

      const tool = (g: string) => stats.groups.find((x) => x.name === g)!.tools[0];
      // flat: every commented Ethernet packet lost its comments; the raw IP one was refused (not written at all)
      expect(tool('flat').refused).toBe(1);
      expect(tool('flat').commentsLost).toBe(commented - 1);
      // once: the duplicate was dropped too, its comment with it (counted as a duplicate, not as lost)
      expect(stats.groups.find((x) => x.name === 'once')!.dropped.duplicate).toBe(1);
      expect(tool('once').commentsLost).toBe(commented - 2);
      expect(tool('plain').commentsLost ?? 0).toBe(0);
      // pcap files really hold none (tshark reads no comment from them)
      expect(tsharkComments(join(out, 'c.pcap')).flat()).toEqual([]);

      const said = r.err.split('\n').filter((l) => l.includes('cannot hold packet comments'));
      expect(said).toHaveLength(2);
      expect(said[0]).toContain(join(out, 'c.pcap'));
      expect(said[0]).toContain(`${commented - 1} packets that came with pcapng comments`);
      expect(said[1]).toContain(join(out, 'd.pcap'));
      expect(said[1]).toContain(`${commented - 2} packets`);
    });

    it(`a tap's mark comment comes after the packet's own (${name})`, () => {
      const out = join(dir, `mark-${name.replace(/\W+/g, '-')}`);
      const r = run('m', out, args);
      const want = inFileOrder.map((c) => [...c, 'tap t']);
      for (const f of [...r.outputs, 'e.pcapng']) expect(tsharkComments(join(out, f)), f).toEqual(want);
      // no pcap output: nothing lost, nothing said
      expect(r.err).not.toContain('cannot hold packet comments');
    });
  }

  it('the stats text says what a pcap output lost', () => {
    const out = join(dir, 'out-text');
    const r = run('p', out, []);
    expect(r.out).toContain(`warning: ${commented - 1} packets written without the pcapng comments they came with`);
  });
});
