import type { Frame } from '../frame.js';

export const DNS_TYPE_A = 1;
export const DNS_TYPE_AAAA = 28;

export const DNS_NAMES = [
  'www.example.com',
  'mail.example.org',
  'api.example.net',
  'cdn.example.net',
  'login.example.com',
  'time.example.org',
  'printer.local',
];

function appendName(f: Frame, name: string): void {
  for (const label of name.split('.')) {
    f.u8(label.length);
    f.appendText(label);
  }
  f.u8(0);
}

/**
 * A DNS message with one question and, for a response, one answer that
 * points back at the question name. `answer` is 4 bytes for A, 16 for AAAA.
 */
export function appendDns(
  f: Frame,
  id: number,
  flags: number,
  name: string,
  qtype: number,
  answer: Uint8Array | undefined,
): void {
  f.u16(id);
  f.u16(flags);
  f.u16(1);
  f.u16(answer ? 1 : 0);
  f.u16(0);
  f.u16(0);
  appendName(f, name);
  f.u16(qtype);
  f.u16(1);
  if (answer) {
    f.u16(0xc00c);
    f.u16(qtype);
    f.u16(1);
    f.u32(300);
    f.u16(answer.length);
    f.append(answer);
  }
}

export const DNS_QUERY_FLAGS = 0x0100;
export const DNS_RESPONSE_FLAGS = 0x8180;
/** mDNS questions carry no recursion-desired bit; answers are authoritative. */
export const MDNS_QUERY_FLAGS = 0x0000;
export const MDNS_RESPONSE_FLAGS = 0x8400;
