import type { Prng } from '../prng.js';

const USERS = ['alice', 'bob', 'carol', 'dave', 'admin', 'operator', 'backup'];
const PASSWORDS = ['hunter2', 'Winter2024!', 'letmein', 'correct-horse', 'p@ssw0rd', 'changeme'];

export interface Credential {
  user: string;
  password: string;
}

export function credential(rng: Prng): Credential {
  return { user: rng.pick(USERS), password: rng.pick(PASSWORDS) };
}

export function basicAuthHeader(c: Credential): string {
  return `Authorization: Basic ${Buffer.from(`${c.user}:${c.password}`, 'latin1').toString('base64')}\r\n`;
}
