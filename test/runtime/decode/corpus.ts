/**
 * Test-only access to the shared capture corpus. A deliberately tiny classic
 * pcap reader (the real one lives in src/runtime/capture and is not ours to
 * depend on); pcapng files with a single link type are converted to pcap by
 * tshark into a temp dir first.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CORPUS_DIR } from '../../support/corpus.js';
import { hasTool } from '../../support/tools.js';

export interface Frame {
  data: Uint8Array;
  capLen: number;
  wireLen: number;
}

export interface Capture {
  file: string;
  linkType: number;
  frames: Frame[];
}

/** Classic pcap, either byte order, micro- or nanosecond magic. */
function parsePcap(file: string, buf: Uint8Array): Capture {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = dv.getUint32(0, false);
  let little: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) little = false;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) little = true;
  else throw new Error(`${file}: not a classic pcap file`);
  // The upper bits of the link type carry FCS information, not the type.
  const linkType = dv.getUint32(20, little) & 0xffff;
  const frames: Frame[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const capLen = dv.getUint32(off + 8, little);
    const wireLen = dv.getUint32(off + 12, little);
    off += 16;
    if (off + capLen > buf.length) break;
    frames.push({ data: buf.subarray(off, off + capLen), capLen, wireLen });
    off += capLen;
  }
  return { file, linkType, frames };
}

function isPcapng(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x0a && buf[1] === 0x0d && buf[2] === 0x0d && buf[3] === 0x0a;
}

/**
 * Loads a corpus capture as classic pcap, or returns why it cannot: a pcapng
 * file needs tshark for conversion and must have one link type.
 */
export async function loadCapture(file: string): Promise<Capture | string> {
  const path = join(CORPUS_DIR, file);
  const buf = new Uint8Array(readFileSync(path));
  if (!isPcapng(buf)) return parsePcap(file, buf);
  if (!hasTool('tshark')) return 'pcapng needs tshark to convert';
  const dir = mkdtempSync(join(tmpdir(), 'tmesc-decode-'));
  try {
    const out = join(dir, 'converted.pcap');
    try {
      await promisify(execFile)('tshark', ['-r', path, '-w', out, '-F', 'pcap']);
    } catch {
      return 'pcapng with several link types cannot be written as pcap';
    }
    return parsePcap(file, new Uint8Array(readFileSync(out)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
