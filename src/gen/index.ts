export { type CliIo, GEN_CLI_OPTIONS, type GenCliOptions, parseGenOptions, runGenerate } from './cli.js';
export { generate } from './generate.js';
export { PacketGenerator } from './generator.js';
