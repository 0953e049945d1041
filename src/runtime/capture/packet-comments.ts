/**
 * A packet's pcapng comments (opt_comment options) as one string, so that a
 * record, a replica and every output call carry them as they carry one: the
 * comments in block order, joined by COMMENT_SEPARATOR. A pcapng block may
 * hold several (`editcap -a` adds one, a tap's `mark comment` adds its own
 * after those the packet came with); the encoder writes each as its own
 * option. A comment that itself holds a NUL character (none written by
 * Wireshark or editcap) comes out split there.
 */
export const COMMENT_SEPARATOR = '\u0000';

/** `comments` with `comment` after them. */
export function addComment(comments: string | undefined, comment: string | undefined): string | undefined {
  if (comment === undefined) return comments;
  return comments === undefined ? comment : comments + COMMENT_SEPARATOR + comment;
}
