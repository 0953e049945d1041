// The I/O floor of `tmesc run` on this machine: a Node process that reads a
// capture as the runtime does (read-ahead chunks on libuv's pool) and writes
// `fraction` of it as the runtime does (1 MiB buffers, write-behind, temporary
// name renamed at the end), with no work per packet at all. Whatever `tmesc
// run` takes beyond this is decoding, classifying and encoding; what this
// takes beyond tcpdump is Node's start and the kernel's copies, which no
// per-packet work can win back.
//
//   node bench/io-floor.mjs INPUT OUTPUT FRACTION
import { FileSink } from '../dist/runtime/capture/file-sink.js';
import { ReadAhead, Starved, HEADROOM } from '../dist/runtime/capture/read-ahead.js';
import { openSync, closeSync } from 'node:fs';

const [input, output, fraction] = [process.argv[2], process.argv[3], Number(process.argv[4])];
if (!input || !output || !(fraction >= 0 && fraction <= 1)) {
  console.error('usage: node bench/io-floor.mjs INPUT OUTPUT FRACTION(0..1)');
  process.exit(2);
}
const fd = openSync(input, 'r');
const ahead = new ReadAhead(fd, 0);
const sink = new FileSink(output, 1 << 20, 3);
let read = 0;
let written = 0;
// the same turns as the engine: completions are seen between rounds
const turn = () => new Promise((resolve) => setImmediate(resolve));
for (;;) {
  let c;
  try {
    c = ahead.take();
  } catch (e) {
    if (!(e instanceof Starved)) throw e;
    await e.ready;
    continue;
  }
  if (c.error) throw c.error;
  if (c.len === 0) {
    ahead.release(c);
    break;
  }
  read += c.len;
  // copy the chunk's share into the output buffer, as encoders copy packets
  let left = Math.floor(c.len * fraction);
  let from = HEADROOM;
  while (left > 0) {
    const n = Math.min(left, 64 * 1024);
    sink.reserve(n);
    sink.bytes.set(c.buf.subarray(from, from + n), sink.pos);
    sink.pos += n;
    from += n;
    left -= n;
    written += n;
  }
  ahead.release(c);
  await turn();
}
await sink.drained();
sink.commit();
await new Promise((resolve) => ahead.close(resolve));
closeSync(fd);
console.log(JSON.stringify({ read, written }));
