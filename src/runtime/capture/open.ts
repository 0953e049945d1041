import { CaptureError, endedInFirstHeader } from './errors.js';
import { FileWindow } from './file-window.js';
import { detectCaptureFormat } from './magic.js';
import { PcapReader } from './pcap-reader.js';
import { PcapngReader } from './pcapng-reader.js';
import type { InterfaceInfo } from './record.js';
import type { CaptureSource, ReaderOptions } from './source.js';

/** Opens a pcap or pcapng file, chosen by its magic number. Throws only CaptureError. */
export function openCapture(path: string, options: ReaderOptions = {}): CaptureSource {
  const win = new FileWindow(path, options.bufferSize, options.readAhead);
  try {
    if (!win.ensure(4)) throw endedInFirstHeader(path, win.available, 'magic number', '4 bytes', 'bad-magic');
    const format = detectCaptureFormat(win.bytes.subarray(win.start, win.end));
    if (format === 'pcap') return new PcapReader(path, win, options);
    if (format === 'pcapng') return new PcapngReader(path, win, options);
    throw new CaptureError('bad-magic', path, 'not a pcap or pcapng file', { byteOffset: 0 });
  } catch (e) {
    win.close();
    if (e instanceof CaptureError) throw e;
    throw new CaptureError('bad-header', path, `unreadable capture header: ${String(e)}`, { byteOffset: 0, cause: e });
  }
}

/**
 * Every interface of the file. pcapng may declare interfaces anywhere, so
 * this reads the whole file (quickly: packets are not copied).
 */
export function captureInterfaces(path: string, options: ReaderOptions = {}): readonly InterfaceInfo[] {
  const src = openCapture(path, options);
  try {
    if (src.format === 'pcapng') while (src.readBatch(1 << 16, noop) > 0);
    return src.interfaces;
  } finally {
    src.close();
  }
}

/** The distinct link types of a file, in order of first declaration. */
export function listLinkTypes(path: string, options: ReaderOptions = {}): number[] {
  return [...new Set(captureInterfaces(path, options).map((i) => i.linkType))];
}

function noop(): void {}
