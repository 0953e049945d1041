// What one payload byte costs mask's scanners, against what a byte-class DFA
// pass over the same bytes would cost (docs/design/mask.md, session 5c), for
// callgrind: the difference of two round counts is the steady cost.
//
//   tshark -r CAP -Y 'tcp.port==80 && tcp.len>0' -T fields -e tcp.stream -e tcp.srcport -e tcp.payload > SEGS
//   node bench/mask-bytes.mjs SEGS MODE ROUNDS [MAX_BYTES] [clean|dirty]
//
// MODE: scan (card-number and credentials, one scanner pair per direction, as
// mask feeds them), js-dfa (a 64-state, 32-class table walked in JavaScript),
// wasm-dfa (the same table walked in WebAssembly, each segment copied into its
// memory first), none (the harness alone). clean / dirty: only the segments
// with no / with a coarse trigger (an = " ' < or 0xFF byte, four digits in a
// row, ://, a line whose first or second word is a command keyword).
import { readFileSync } from 'node:fs';
import { cardNumberTarget } from '../dist/runtime/actions/mask-card.js';
import { credentialsTarget } from '../dist/runtime/actions/mask-credentials.js';
import { SegmentText } from '../dist/runtime/actions/mask-scanner.js';

const [file, mode, roundsArg, maxArg, only] = process.argv.slice(2);
const rounds = Number(roundsArg);
const max = Number(maxArg ?? 5e6);
if (!file || !['scan', 'js-dfa', 'wasm-dfa', 'none'].includes(mode) || !(rounds >= 1)) {
  console.error('usage: node bench/mask-bytes.mjs SEGS scan|js-dfa|wasm-dfa|none ROUNDS [MAX_BYTES] [clean|dirty]');
  process.exit(2);
}

const COMMAND =
  /(^|[\r\n])(\S+ )?(user|pass|acct|apop|auth|login|authenticate|authorization|proxy-authorization|content-disposition)[ :]/i;
const coarseTrigger = (t) => /[0-9]{4}|:\/\/|[="'<\xff]/.test(t) || COMMAND.test(t);

/** Each direction's segments, in order, each inside a frame-sized buffer (54 bytes before, 12 after). */
const dirs = new Map();
let total = 0;
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (!line) continue;
  const [stream, port, hex] = line.split('\t');
  const b = Buffer.from(hex, 'hex');
  if (only !== undefined && coarseTrigger(b.toString('latin1')) !== (only === 'dirty')) continue;
  if (total + b.length > max) break;
  total += b.length;
  const f = Buffer.alloc(b.length + 66);
  b.copy(f, 54);
  const k = `${stream}/${port}`;
  if (!dirs.has(k)) dirs.set(k, []);
  dirs.get(k).push(f);
}

// the table: 64 states by 32 classes, no accepting state reached (the walk goes over every byte)
const NC = 32;
const NS = 64;
const CLASS = new Uint8Array(256).map((_, b) => (b * 7) % NC);
const NEXT = new Int32Array(NS * NC).map((_, i) => ((i * 2654435761) >>> 0) % NS);

function jsDfa(bytes, from, to, s) {
  for (let i = from; i < to; i++) {
    s = NEXT[s * NC + CLASS[bytes[i]]];
    if (s < 0) return ~i;
  }
  return s;
}

// scan(p, end, s): s = trans[s << 5 | class[text[p]]] for p < end; ~p at a state >= 64. Memory: classes at 0,
// the table at 256 (a byte a state), the text at 65536.
const TEXT = 65536;
const leb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const section = (id, bytes) => [id, ...leb(bytes.length), ...bytes];
// prettier-ignore
const body = [
  0x00, // no locals
  0x03, 0x40, // loop
  0x20, 0x00, 0x20, 0x01, 0x4f, 0x04, 0x40, 0x20, 0x02, 0x0f, 0x0b, // if p >= end: return s
  0x20, 0x02, 0x41, 0x05, 0x74, // s << 5
  0x20, 0x00, 0x2d, 0x00, ...leb(TEXT), // text[p]
  0x2d, 0x00, 0x00, // class
  0x72, // or
  0x2d, 0x00, ...leb(256), // trans
  0x22, 0x02, // s =
  0x41, 0xc0, 0x00, 0x4f, 0x04, 0x40, 0x20, 0x00, 0x41, 0x7f, 0x73, 0x0f, 0x0b, // if s >= 64: return ~p
  0x20, 0x00, 0x41, 0x01, 0x6a, 0x21, 0x00, // p++
  0x0c, 0x00, // br loop
  0x0b, 0x00, 0x0b,
];
// prettier-ignore
const wasm = new globalThis.WebAssembly.Instance(
  new globalThis.WebAssembly.Module(
    new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      ...section(1, [0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x01, 0x7f]),
      ...section(3, [0x01, 0x00]),
      ...section(5, [0x01, 0x00, 0x04]),
      ...section(7, [0x02, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x04, 0x73, 0x63, 0x61, 0x6e, 0x00, 0x00]),
      ...section(10, [0x01, ...leb(body.length), ...body]),
    ]),
  ),
  {},
).exports;
const memory = new Uint8Array(wasm.mem.buffer);
memory.set(CLASS, 0);
memory.set(Uint8Array.from(NEXT), 256);

function wasmDfa(bytes, from, to, s) {
  memory.set(bytes.subarray(from, to), TEXT);
  return wasm.scan(TEXT - TEXT, to - from, s);
}

const targets = [cardNumberTarget(0x2a), credentialsTarget(0x2a)];
let spans = 0;
let sum = 0;
const report = () => spans++;
const text = new SegmentText();
for (let r = 0; r < rounds; r++) {
  for (const [, segs] of dirs) {
    if (mode === 'scan') {
      const scanners = targets.map((t) => t.scanner(0, true, 0, t.shared?.([40000, 80])));
      for (const f of segs) {
        text.set(f, 54, f.length - 12);
        for (const s of scanners) s.write(f, 54, f.length - 12, report, text);
      }
      for (const s of scanners) s.end(report);
      continue;
    }
    let s = 0;
    for (const f of segs)
      if (mode === 'js-dfa') s = jsDfa(f, 54, f.length - 12, s);
      else if (mode === 'wasm-dfa') s = wasmDfa(f, 54, f.length - 12, s);
      else s += f[54];
    sum += s;
  }
}
console.log(JSON.stringify({ mode, rounds, bytes: total, directions: dirs.size, spans, sum }));
