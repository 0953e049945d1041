import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The shared capture corpus lives beside the repository (../shared/corpus),
 * never inside it. TMESC_CORPUS overrides the location.
 */
export const CORPUS_DIR =
  process.env.TMESC_CORPUS ?? resolve(import.meta.dirname, '..', '..', '..', 'shared', 'corpus', 'pcap');
export const HAVE_CORPUS = existsSync(join(CORPUS_DIR, 'MANIFEST.tsv'));

/** For a suite's name: why it is skipped without the corpus, empty with it. */
export const CORPUS_NOTE = HAVE_CORPUS ? '' : ` [skipped: no capture corpus at ${CORPUS_DIR}; set TMESC_CORPUS]`;

/** A capture in the corpus, as MANIFEST.tsv describes it. */
export interface ManifestRow {
  file: string;
  bytes: number;
  /** tshark's short name of the link type: ether, linux-sll, rawip, ... */
  linkType: string;
  packets: number;
  categories: string[];
  /** Protocol stacks tshark saw (frame.protocols), comma-separated. */
  protocols: string;
}

/** Every capture of the corpus's MANIFEST.tsv; none without the corpus. */
export function corpusManifest(): ManifestRow[] {
  return HAVE_CORPUS ? readManifest(join(CORPUS_DIR, 'MANIFEST.tsv')) : [];
}

/** A MANIFEST.tsv, its columns found by their header names. */
export function readManifest(path: string): ManifestRow[] {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const header = lines[0].split('\t');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`MANIFEST.tsv has no ${name} column`);
    return i;
  };
  const [file, bytes, linkType, packets, categories, protocols] = [
    'file',
    'bytes',
    'link_type',
    'packets',
    'categories',
    'protocols',
  ].map(col);
  return lines.slice(1).map((l) => {
    const c = l.split('\t');
    return {
      file: c[file],
      bytes: Number(c[bytes]),
      linkType: c[linkType],
      packets: Number(c[packets]),
      categories: (c[categories] ?? '').split(',').filter((x) => x !== ''),
      protocols: c[protocols] ?? '',
    };
  });
}

/** The path of a corpus capture. */
export function corpusPath(file: string): string {
  return join(CORPUS_DIR, file);
}
