export { decodeFrame, MAX_TUNNEL_DEPTH } from './decode.js';
export { MALFORMED_REASONS, reasonCode, reasonName } from './malformed.js';
export type { MalformedReason } from './malformed.js';
export { INNER_KIND, PacketView } from './view.js';
export type { InnerKind } from './view.js';
