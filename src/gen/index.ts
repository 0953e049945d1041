export { generate } from './generate.js';
export { PacketGenerator } from './generator.js';
