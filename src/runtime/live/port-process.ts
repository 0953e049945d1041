import { Socket } from 'node:net';
import { sessionHash32 } from '../balance/session-hash.js';
import { decodeFrame } from '../decode/decode.js';
import { PacketView } from '../decode/view.js';
import { type CapHandle, linkTypeOf, loadCap } from './cap-binding.js';
import { kernelRings, KernelStats, newPacketSocket } from './kernel-stats.js';
import { countCode, tagCode } from './tag-code.js';
import {
  type FromPort,
  type PortConfig,
  SNAPLEN,
  TAP_RECORD_HEADER,
  type TapProcessCounters,
  TOOL_RECORD_HEADER,
  type ToolProcessCounters,
  type ToPort,
} from './port-protocol.js';

/**
 * A port process of a live run (port-protocol.ts says why processes): the
 * only code that loads `cap`. A tap process captures its interface (or both
 * ports of an inline tap, bridging each frame to the other port before
 * anything else), stamps each frame on arrival (cap gives no timestamps),
 * takes the session hash that says which worker gets it, and streams the
 * frames to the supervisor in batches. A tool process sends the frames the
 * supervisor streams to it out of its interface.
 */

const BATCH_BYTES = 256 << 10;

const config = JSON.parse(process.argv[2]) as PortConfig;
const send = (m: FromPort, then?: () => void) => process.send!(m, undefined, undefined, then);

// signals are the supervisor's: a terminal's ^C reaches the whole process group, and this process
// must stay until the workers have what it captured; the supervisor gone, there is nobody to serve
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => undefined);
process.on('disconnect', () => process.exit(0));

function fail(e: unknown): void {
  send({ type: 'failed', message: (e as Error).message ?? String(e) }, () => process.exit(1));
}

interface Port {
  name: string;
  handle: CapHandle;
  /** cap writes each frame here: it keeps only a pointer, so the buffer must stay referenced. */
  buffer: Buffer;
  linkType: number;
  fd: number | undefined;
  inode: string | undefined;
}

function open(name: string, filter: string, bufferBytes: number): Port {
  const cap = loadCap();
  const handle = new cap.Cap();
  const buffer = Buffer.alloc(SNAPLEN);
  let opened: { result: string; fd: number | undefined; inode: string | undefined };
  try {
    opened = newPacketSocket(() => handle.open(name, filter, bufferBytes, buffer));
  } catch (e) {
    throw new Error(`cannot capture on interface ${name}: ${(e as Error).message}`, { cause: e });
  }
  const linkType = linkTypeOf(opened.result);
  if (linkType === undefined) {
    handle.close();
    throw new Error(`interface ${name}: link type ${opened.result} is not one tmesc knows`);
  }
  return { name, handle, buffer, linkType, fd: opened.fd, inode: opened.inode };
}

function runTap(c: Extract<PortConfig, { role: 'tap' }>): void {
  const ports = c.ports.map((p) => open(p, c.filter, c.bufferBytes));
  const kernel = KernelStats.start(ports.map((p) => p.fd));
  const out = new Socket({ fd: 3, readable: false, writable: true });
  out.on('error', () => process.exit(0));
  const counters: TapProcessCounters = { captured: 0, bytes: 0, behind: 0, bridged: 0, bridgeErrors: 0, kernel: null };
  const view = new PacketView();
  let batch = Buffer.allocUnsafe(BATCH_BYTES);
  let used = 0;
  let scheduled = false;
  let stopped = false;

  const flush = () => {
    scheduled = false;
    if (used === 0) return;
    out.write(batch.subarray(0, used));
    batch = Buffer.allocUnsafe(BATCH_BYTES);
    used = 0;
  };

  const onFrame = (from: Port, peer: Port | undefined, n: number) => {
    if (stopped) return;
    const buf = from.buffer;
    if (peer) {
      // the bridge first: the wire does not wait for the copy. Sent through the peer's own
      // capture handle, so that handle does not see the frame again as outgoing.
      try {
        peer.handle.send(buf, n);
        counters.bridged++;
      } catch {
        counters.bridgeErrors++;
      }
    }
    const ms = performance.timeOrigin + performance.now();
    counters.captured++;
    counters.bytes += n;
    // the supervisor behind: frames are dropped here, counted, rather than held without bound
    if (out.writableLength > c.maxQueued) {
      counters.behind++;
      return;
    }
    let worker = 0;
    if (c.workers > 1) {
      view.tap = c.tap;
      decodeFrame(view, buf, n, n, from.linkType);
      // the innermost session: both directions of a tunnelled flow (whose outer ports differ) and the same packet
      // seen tunnelled and plain reach one worker, for steps after strip and for de-duplication
      worker = (sessionHash32(view, true) >>> 0) % c.workers;
    }
    if (used + TAP_RECORD_HEADER + n > batch.length) flush();
    const sec = Math.floor(ms / 1000);
    batch.writeUInt32LE(n, used);
    batch.writeUInt32LE(sec, used + 4);
    batch.writeUInt32LE(Math.min(999_999_999, Math.round((ms - sec * 1000) * 1e6)), used + 8);
    batch.writeUInt16LE(worker, used + 12);
    batch[used + 14] = from === ports[0] ? 0 : 1;
    batch[used + 15] = 0;
    buf.copy(batch, used + TAP_RECORD_HEADER, 0, n);
    used += TAP_RECORD_HEADER + n;
    // the batch goes once libpcap's burst is handed over (the poll phase ends)
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };

  if (ports.length === 2) {
    const [a, b] = ports;
    a.handle.on('packet', (n) => onFrame(a, b, n));
    b.handle.on('packet', (n) => onFrame(b, a, n));
  } else ports[0].handle.on('packet', (n) => onFrame(ports[0], undefined, n));

  const readKernel = async () => {
    if (typeof kernel !== 'string') counters.kernel = await kernel.read();
  };
  process.on('message', (m: ToPort) => {
    if (m.type === 'stats') void readKernel().then(() => send({ type: 'stats', tap: counters, final: false }));
    else if (m.type === 'stop' && !stopped) {
      // the kernel's counters first, then the handles close at once: what they still hold is
      // received less dropped less captured (the supervisor reports it as unread at stop)
      void readKernel().then(() => {
        stopped = true;
        for (const p of ports) p.handle.close();
        if (typeof kernel !== 'string') kernel.close();
        flush();
        out.end(() => send({ type: 'stats', tap: counters, final: true }, () => process.exit(0)));
      });
    }
  });
  send({
    type: 'ready',
    linkTypes: ports.map((p) => p.linkType),
    kernelStatsMissing: typeof kernel === 'string' ? kernel : undefined,
    rings: kernelRings(ports.map((p) => p.inode)),
  });
}

function runTool(c: Extract<PortConfig, { role: 'tool' }>): void {
  // opened to send: the filter takes nothing in
  const port = open(c.port, 'less 1', c.bufferBytes);
  const input = new Socket({ fd: 3, readable: true, writable: false });
  const counters: ToolProcessCounters = { received: 0, sent: 0, sendErrors: 0, sendErrorBytes: 0 };
  const sendBuffer = Buffer.alloc(1 << 18);
  let carry: Buffer | undefined;
  let reported = -1;
  const sentByCode = new Map<number, number>();
  const errorsByCode = new Map<number, number>();
  const report = (final: boolean, then?: () => void) => {
    reported = counters.sent + counters.sendErrors;
    if (c.countCodes) {
      counters.sentByCode = [...sentByCode];
      counters.sendErrorsByCode = [...errorsByCode];
    }
    send({ type: 'stats', tool: counters, final }, then);
  };
  // the supervisor learns soon what went out: what a process dying with its link did not confirm is lost
  const ticker = setInterval(() => {
    if (counters.sent + counters.sendErrors !== reported) report(false);
  }, 20);
  input.on('data', (chunk: Buffer) => {
    let buf = chunk;
    if (carry) {
      buf = Buffer.concat([carry, chunk]);
      carry = undefined;
    }
    let at = 0;
    while (buf.length - at >= TOOL_RECORD_HEADER) {
      const len = buf.readUInt32LE(at);
      if (buf.length - at - TOOL_RECORD_HEADER < len) break;
      const start = at + TOOL_RECORD_HEADER;
      counters.received++;
      try {
        // cap sends from a buffer's start: copied there rather than a view made per frame
        buf.copy(sendBuffer, 0, start, start + len);
        port.handle.send(sendBuffer, len);
        counters.sent++;
        if (c.countCodes) countCode(sentByCode, tagCode(sendBuffer, 0, len));
      } catch {
        counters.sendErrors++;
        counters.sendErrorBytes += len;
        if (c.countCodes) countCode(errorsByCode, tagCode(sendBuffer, 0, len));
      }
      at = start + len;
    }
    if (at < buf.length) carry = Buffer.from(buf.subarray(at));
  });
  input.on('error', () => process.exit(0));
  input.on('end', () => {
    clearInterval(ticker);
    port.handle.close();
    report(true, () => process.exit(0));
  });
  process.on('message', (m: ToPort) => {
    if (m.type === 'stats') report(false);
  });
  send({ type: 'ready', linkTypes: [port.linkType] });
}

try {
  if (config.role === 'tap') runTap(config);
  else runTool(config);
} catch (e) {
  fail(e);
}
