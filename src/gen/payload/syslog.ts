import type { Prng } from '../prng.js';

const APPS = ['sshd', 'kernel', 'cron', 'nginx', 'systemd'];
const TEXTS = [
  'Accepted publickey for deploy from 10.0.3.7 port 50122',
  'eth0: link up, 1000 Mbps, full duplex',
  'session opened for user root by (uid=0)',
  'GET /healthz 200 0.002s',
  'Started Daily apt upgrade and clean activities.',
];

/** An RFC 3164 line: "<PRI>Mmm dd hh:mm:ss host app[pid]: text". */
export function syslogLine(rng: Prng, host: string): string {
  const pri = 8 * rng.range(0, 23) + rng.range(0, 7);
  return `<${pri}>Nov 14 22:13:20 ${host} ${rng.pick(APPS)}[${rng.range(100, 30000)}]: ${rng.pick(TEXTS)}`;
}
