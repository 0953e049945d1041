import type { Reporter } from '../diagnostics/bag.js';
import type { Span } from '../diagnostics/diagnostic.js';
import type { SourceFile } from '../diagnostics/source.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type { Policy } from '../policy/policy.js';

/**
 * The ports map: where the policy's taps, tools and host are cabled on the
 * switch. A text file of lines, one statement a line, # to the end of a line
 * a comment:
 *
 *     bridge br-mon                     # optional: the OVS bridge, for the commands the report prints
 *     tap core-a port 1                 # traffic of tap core-a arrives on switch port 1
 *     tool ids-1 port 10                # tool ids-1 is cabled to port 10
 *     host broker-1 port 48 vlans 3000-3999
 *
 * The host is a machine running tmesc for what the switch cannot do; the
 * VLANs tag its link (which tap a packet came from, which group it is for).
 */
export interface PortEntry {
  name: string;
  port: number;
  /** The whole line's statement, the name and the port number. */
  span: Span;
  nameSpan: Span;
  portSpan: Span;
}

export interface HostEntry extends PortEntry {
  vlans: { first: number; last: number; span?: Span };
}

export interface PortsMap {
  file: SourceFile;
  bridge?: string;
  taps: Map<string, PortEntry>;
  tools: Map<string, PortEntry>;
  host?: HostEntry;
}

/** The VLANs of the host link when its line names none. */
export const DEFAULT_HOST_VLANS = { first: 3000, last: 3999 };
/** The last port number OpenFlow 1.3 allows (OFPP_MAX). */
export const MAX_PORT = 0xffffff00;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*$/;
const NUMBER = /^(?:0x[0-9a-fA-F]+|[0-9]+)$/;

interface Token {
  text: string;
  start: number;
  end: number;
}

function tokens(line: string, base: number): Token[] {
  const out: Token[] = [];
  const re = /[^\s#]+|#.*/g;
  for (let m; (m = re.exec(line));) {
    if (m[0].startsWith('#')) break;
    out.push({ text: m[0], start: base + m.index, end: base + m.index + m[0].length });
  }
  return out;
}

/** Parses and checks a ports map against the policy; problems go to `bag` with the map's file, line and column. */
export function parsePortsMap(
  file: SourceFile,
  policy: Policy,
  bag: Reporter<'TMES0840' | 'TMES0841' | 'TMES0842' | 'TMES0843'>,
): PortsMap {
  const map: PortsMap = { file, taps: new Map(), tools: new Map() };
  const span = (start: number, end: number): Span => ({ file, start, end });
  const tspan = (t: Token) => span(t.start, t.end);
  const tapNames = policy.taps.map((t) => t.name);
  const toolNames = policy.groups.flatMap((g) => g.tools.map((t) => t.name));
  const byPort = new Map<number, { what: string; span: Span }>();
  const text = file.text;
  let offset = 0;
  for (const raw of text.split(/\r\n|\n|\r/)) {
    const lineStart = offset;
    offset += raw.length + (text.startsWith('\r\n', offset + raw.length) ? 2 : 1);
    const ts = tokens(raw, lineStart);
    if (ts.length === 0) continue;
    const stmt = span(ts[0].start, ts[ts.length - 1].end);
    const kw = ts[0];
    const expected = (at: Token | undefined, what: string) => {
      const where = at ? tspan(at) : span(stmt.end, stmt.end);
      bag.add('TMES0840', where, `expected ${what}${at ? ` but found '${at.text}'` : ' at the end of the line'}`);
    };
    const number = (t: Token, what: string, lo: number, hi: number): number | undefined => {
      if (!NUMBER.test(t.text)) {
        expected(t, what);
        return undefined;
      }
      const v = Number(t.text);
      if (!Number.isSafeInteger(v) || v < lo || v > hi) {
        bag.add('TMES0843', tspan(t), `${what} ${t.text} is out of range (${lo} to ${hi})`);
        return undefined;
      }
      return v;
    };
    switch (kw.text) {
      case 'bridge': {
        if (!ts[1]) expected(undefined, 'the bridge name');
        else if (ts.length > 2) expected(ts[2], 'the end of the line');
        else map.bridge = ts[1].text;
        break;
      }
      case 'tap':
      case 'tool':
      case 'host': {
        const [, name, portKw, portTok, ...rest] = ts;
        if (!name || !NAME.test(name.text)) {
          expected(name, `the ${kw.text}'s name`);
          break;
        }
        if (!portKw || portKw.text !== 'port') {
          expected(portKw, "'port'");
          break;
        }
        if (!portTok) {
          expected(undefined, 'a port number');
          break;
        }
        const port = number(portTok, 'port', 1, MAX_PORT);
        let vlans: HostEntry['vlans'] | undefined;
        if (kw.text === 'host' && rest.length > 0) {
          if (rest[0].text !== 'vlans') {
            expected(rest[0], "'vlans' or the end of the line");
            break;
          }
          if (!rest[1]) {
            expected(undefined, 'a VLAN range (3000-3999)');
            break;
          }
          const m = /^([^-]+)-([^-]+)$/.exec(rest[1].text);
          if (!m || !NUMBER.test(m[1]) || !NUMBER.test(m[2])) {
            expected(rest[1], 'a VLAN range (3000-3999)');
            break;
          }
          const first = Number(m[1]);
          const last = Number(m[2]);
          if (!(first >= 1 && last <= 4094 && first <= last)) {
            bag.add('TMES0843', tspan(rest[1]), `VLAN range ${rest[1].text} is not a range within 1-4094`);
            break;
          }
          vlans = { first, last, span: tspan(rest[1]) };
          if (rest.length > 2) {
            expected(rest[2], 'the end of the line');
            break;
          }
        } else if (rest.length > 0) {
          expected(rest[0], 'the end of the line');
          break;
        }
        if (port === undefined) break;
        const entry: PortEntry = { name: name.text, port, span: stmt, nameSpan: tspan(name), portSpan: tspan(portTok) };
        if (kw.text === 'host') {
          if (map.host) {
            bag.add('TMES0842', stmt, `a second host: this version sends the host's traffic to one port`, {
              related: [{ message: 'the first host', span: map.host.span }],
            });
            break;
          }
        } else {
          const names = kw.text === 'tap' ? tapNames : toolNames;
          if (!names.includes(name.text)) {
            const near = didYouMean(name.text, names);
            bag.add(
              'TMES0841',
              tspan(name),
              `the policy has no ${kw.text} '${name.text}'${near ? `; did you mean '${near}'?` : ''}`,
            );
            break;
          }
          const seen = (kw.text === 'tap' ? map.taps : map.tools).get(name.text);
          if (seen) {
            bag.add('TMES0842', tspan(name), `${kw.text} '${name.text}' is mapped twice`, {
              related: [{ message: 'first mapped here', span: seen.span }],
            });
            break;
          }
        }
        const other = byPort.get(port);
        if (other) {
          bag.add('TMES0842', tspan(portTok), `port ${port} is already ${other.what}`, {
            related: [{ message: 'there', span: other.span }],
          });
          break;
        }
        byPort.set(port, { what: `${kw.text} ${name.text}'s`, span: stmt });
        if (kw.text === 'tap') map.taps.set(name.text, entry);
        else if (kw.text === 'tool') map.tools.set(name.text, entry);
        else map.host = { ...entry, vlans: vlans ?? DEFAULT_HOST_VLANS };
        break;
      }
      default: {
        const near = didYouMean(kw.text, ['tap', 'tool', 'host', 'bridge']);
        bag.add(
          'TMES0840',
          tspan(kw),
          `'${kw.text}' starts no ports map line; lines are tap, tool, host and bridge${near ? ` (did you mean '${near}'?)` : ''}`,
        );
      }
    }
  }
  return map;
}
