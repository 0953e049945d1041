import type { Prng } from '../prng.js';
import { credential } from './credentials.js';

/** The control-channel lines of an FTP login: [fromClient, line]. */
export function ftpLogin(rng: Prng): [boolean, string][] {
  const c = credential(rng);
  return [
    [false, '220 (vsFTPd 3.0.3)\r\n'],
    [true, `USER ${c.user}\r\n`],
    [false, '331 Please specify the password.\r\n'],
    [true, `PASS ${c.password}\r\n`],
    [false, '230 Login successful.\r\n'],
    [true, 'SYST\r\n'],
    [false, '215 UNIX Type: L8\r\n'],
    [true, 'QUIT\r\n'],
    [false, '221 Goodbye.\r\n'],
  ];
}
