import type { Frame } from '../frame.js';

export const DHCP_DISCOVER = 1;
export const DHCP_REQUEST = 3;

/** A BOOTP request carrying a DHCP message, padded to BOOTP's 300-byte minimum. */
export function appendDhcpRequest(f: Frame, type: number, xid: number, mac: Uint8Array, requestedIp: number): void {
  const start = f.end;
  f.u8(1); // op: request
  f.u8(1); // htype: Ethernet
  f.u8(6);
  f.u8(0);
  f.u32(xid);
  f.u16(0); // secs
  f.u16(0x8000); // broadcast flag
  f.zeros(16); // ciaddr, yiaddr, siaddr, giaddr
  f.append(mac);
  f.zeros(10 + 64 + 128); // chaddr padding, sname, file
  f.u32(0x63825363);
  f.u8(53);
  f.u8(1);
  f.u8(type);
  f.u8(61);
  f.u8(7);
  f.u8(1);
  f.append(mac);
  if (type === DHCP_REQUEST) {
    f.u8(50);
    f.u8(4);
    f.u32(requestedIp);
  }
  f.u8(55);
  f.u8(4);
  f.u8(1);
  f.u8(3);
  f.u8(6);
  f.u8(15);
  f.u8(255);
  const len = f.end - start;
  if (len < 300) f.zeros(300 - len);
}
