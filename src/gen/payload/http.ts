import type { Prng } from '../prng.js';
import { basicAuthHeader, credential } from './credentials.js';
import { cardNumber } from './luhn.js';
import { type BodyKind, MIN_JSON_BODY } from './body.js';

const HOSTS = ['www.example.com', 'api.example.net', 'shop.example.org', 'intranet.example.com', 'cdn.example.net'];
const PATHS = [
  '/',
  '/index.html',
  '/api/v1/items',
  '/static/app.js',
  '/images/logo.png',
  '/download/file.bin',
  '/search?q=tmesc',
];
const TYPES: readonly [string, BodyKind][] = [
  ['text/html', 'text'],
  ['text/plain', 'text'],
  ['application/javascript', 'text'],
  ['application/json', 'json'],
  ['application/octet-stream', 'binary'],
];

/** A request's head and body, and the response body length the server will send. */
export interface HttpExchange {
  request: string;
  responseBodyLen: number;
  responseBody: BodyKind;
  responseHead: string;
}

export type HttpCredential = 'none' | 'basic-auth' | 'card-post';

export function httpExchange(rng: Prng, cred: HttpCredential): HttpExchange {
  const host = rng.pick(HOSTS);
  let request: string;
  if (cred === 'card-post') {
    const body = `name=${rng.pick(['Alice+Smith', 'Bob+Jones', 'Carol+White'])}&card=${cardNumber(rng)}&exp=12%2F29&cvv=${rng.range(100, 999)}`;
    request =
      `POST /checkout HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: tmesc-gen/1.0\r\n` +
      `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  } else {
    const auth = cred === 'basic-auth' ? basicAuthHeader(credential(rng)) : '';
    request = `GET ${rng.pick(PATHS)} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: tmesc-gen/1.0\r\nAccept: */*\r\n${auth}\r\n`;
  }
  // Mostly small objects, a few large downloads.
  const [type, responseBody] = rng.pick(TYPES);
  let responseBodyLen = rng.chance(0.08) ? rng.range(20_000, 200_000) : rng.range(0, 4_000);
  if (responseBody === 'json') responseBodyLen = Math.max(responseBodyLen, MIN_JSON_BODY);
  const responseHead =
    `HTTP/1.1 200 OK\r\nServer: tmesc-gen\r\nContent-Type: ${type}\r\n` + `Content-Length: ${responseBodyLen}\r\n\r\n`;
  return { request, responseBodyLen, responseBody, responseHead };
}
