export { generate, type GenerateFileOptions, type GenerateResult } from './generate.js';
export { type FlowCounts, type GeneratedPacket, PacketGenerator } from './generator.js';
export type { FlowKind } from './flows/flow.js';
export {
  DEFAULT_ENCAP,
  DEFAULT_MIX,
  type EncapFractions,
  type GenerateOptions,
  GenOptionError,
  resolveOptions,
  type ResolvedOptions,
  type TrafficMix,
} from './options.js';
export { cardNumber, isLuhnValid, luhnCheckDigit } from './payload/luhn.js';
