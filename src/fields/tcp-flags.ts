/** TCP header flag bits (RFC 9293, the byte at offset 13). A const enum: the compiler writes the numbers in place. */
export const enum TCP_FLAG {
  FIN = 0x01,
  SYN = 0x02,
  RST = 0x04,
  PSH = 0x08,
  ACK = 0x10,
  URG = 0x20,
}
