import type { DropReason } from '../stats/stats.js';
import type { Ring } from './ring.js';

/**
 * A worker's outputs in a live run: records into rings, never a file or a
 * socket of its own. Tools on interfaces go back to the capture thread
 * (which sends through cap), tools writing files to the supervisor (which
 * owns the files). A full ring refuses the packet: it is counted as dropped
 * (output-full), since a packet broker drops rather than stall the wire.
 */
abstract class RingOutput {
  readonly refusedAs: DropReason = 'output-full';

  constructor(
    protected readonly ring: Ring,
    readonly path: string,
  ) {}

  abstract write(
    data: Uint8Array,
    tsSec: number,
    tsNsec: number,
    wireLen: number,
    linkType: number,
    tap: unknown,
    comment: string | undefined,
  ): boolean;

  /** Records are published as they are written: nothing is held back. */
  flush(): void {}
}

/** A tool on an interface: meta is its interface-tool id, aux the link type. */
export class TxOutput extends RingOutput {
  constructor(
    ring: Ring,
    private readonly id: number,
    name: string,
  ) {
    super(ring, `interface tool ${name}`);
  }

  /** `tags` (the host link's return code, and marks) go after the frame's 12 address bytes. */
  write(
    data: Uint8Array,
    tsSec: number,
    tsNsec: number,
    wireLen: number,
    linkType: number,
    _tap?: unknown,
    _comment?: string,
    tags?: Uint8Array,
  ): boolean {
    if (tags?.length && data.length >= 12) {
      const both = new Uint8Array(data.length + tags.length);
      both.set(data.subarray(0, 12));
      both.set(tags, 12);
      both.set(data.subarray(12), 12 + tags.length);
      data = both;
    }
    return this.ring.push(data, 0, data.length, this.id, tsSec, tsNsec, wireLen, linkType);
  }
}

/** A comment rides as a flag: the supervisor knows each tap's comment. */
export const COMMENT_FLAG = 1 << 31;

/** A tool writing a file: meta is group << 16 | tool, aux the link type, the tap and the comment flag. */
export class FileRingOutput extends RingOutput {
  private readonly meta: number;

  constructor(ring: Ring, group: number, tool: number, name: string) {
    super(ring, `file tool ${name}`);
    this.meta = ((group << 16) | tool) >>> 0;
  }

  write(
    data: Uint8Array,
    tsSec: number,
    tsNsec: number,
    wireLen: number,
    linkType: number,
    tap: unknown,
    comment: string | undefined,
  ): boolean {
    const aux =
      ((linkType & 0xffff) | (((typeof tap === 'number' ? tap : 0) & 0x7fff) << 16) | (comment ? COMMENT_FLAG : 0)) >>>
      0;
    return this.ring.push(data, 0, data.length, this.meta, tsSec, tsNsec, wireLen, aux);
  }
}
