import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The shared capture corpus lives beside the repository (../shared/corpus),
 * never inside it. TMESC_CORPUS overrides the location.
 */
export const CORPUS_DIR =
  process.env.TMESC_CORPUS ?? resolve(import.meta.dirname, '..', '..', '..', 'shared', 'corpus', 'pcap');
export const HAVE_CORPUS = existsSync(join(CORPUS_DIR, 'MANIFEST.tsv'));
