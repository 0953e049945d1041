import { ETHERTYPE } from '../../fields/ethertype.js';
import { ARPHRD } from '../../fields/link-headers.js';
import type { Frame } from '../frame.js';

export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;

/** Ethernet/IPv4 ARP body, appended as the frame's payload. */
export function appendArp(
  f: Frame,
  op: number,
  senderMac: Uint8Array,
  senderIp: number,
  targetMac: Uint8Array,
  targetIp: number,
): void {
  f.u16(ARPHRD.ETHER);
  f.u16(ETHERTYPE.IPV4);
  f.u8(6);
  f.u8(4);
  f.u16(op);
  f.append(senderMac);
  f.u32(senderIp);
  f.append(targetMac);
  f.u32(targetIp);
}
