/**
 * Which packet path a run classifies on: `generated` (the walk and the match
 * graph over the bytes, runtime/classify/packet-path.ts), `decoder` (every
 * packet decoded into a view, then classified), or `auto` (the generated
 * path where it does less work; engine/pipeline.ts usePacketPath says
 * where). Both give the same outputs and counters; forcing one is for
 * comparing them (tests, benchmarks) and for working around a bug.
 */
export type PacketPathChoice = 'auto' | 'generated' | 'decoder';

export const PACKET_PATH_CHOICES: readonly PacketPathChoice[] = ['auto', 'generated', 'decoder'];

/** TMESC_PACKET_PATH, read by every pipeline (worker threads inherit the environment); auto when unset. */
export function packetPathChoice(env: NodeJS.ProcessEnv = process.env): PacketPathChoice {
  const v = env.TMESC_PACKET_PATH;
  if (v === undefined || v === '') return 'auto';
  if ((PACKET_PATH_CHOICES as readonly string[]).includes(v)) return v as PacketPathChoice;
  throw new Error(`TMESC_PACKET_PATH=${v}: expected one of ${PACKET_PATH_CHOICES.join(', ')}`);
}
