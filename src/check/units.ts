/** Units of rates, sizes and durations. Decimal prefixes as network people use them; binary ones spelled KiB. */
export const RATE_UNITS: Record<string, number> = { bps: 1, kbps: 1e3, Kbps: 1e3, Mbps: 1e6, Gbps: 1e9, Tbps: 1e12 };
export const SIZE_UNITS: Record<string, number> = {
  B: 1,
  byte: 1,
  bytes: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};
export const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 };
