/** Well-known UDP ports of the tunnels the decoder follows (IANA). */
export const enum UDP_PORT {
  L2TP = 1701,
  GTP_C = 2123,
  GTP_U = 2152,
  TEREDO = 3544,
  VXLAN = 4789,
  GENEVE = 6081,
}
