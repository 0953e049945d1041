/**
 * The progress line `tmesc run` draws on a terminal: a bar by bytes read when
 * every input's size is known (capture files), a packet count otherwise.
 */
export function progressLine(
  packets: number,
  seconds: number,
  bytes: { done: number; total: number } | undefined,
  width = 24,
): string {
  const rate = seconds > 0 ? Math.round(packets / seconds) : 0;
  const counts = `${packets.toLocaleString('en-US')} packets  ${rate.toLocaleString('en-US')}/s`;
  if (!bytes || bytes.total <= 0) return `  ${counts}`;
  const frac = Math.min(1, Math.max(0, bytes.done / bytes.total));
  const filled = Math.round(frac * width);
  const eta = frac > 0 && frac < 1 ? `  ${Math.ceil((seconds * (1 - frac)) / frac)} s left` : '';
  return `  [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}%  ${counts}${eta}`;
}
