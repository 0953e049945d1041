import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { requirements } from '../../support/tools.js';

const exec = promisify(execFile);

/** What a test of a real Open vSwitch needs; CI installs openvswitch-switch and runs as root. */
export const OVS_TOOLS = ['ovsdb-tool', 'ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl', 'ovs-ofctl', 'ovs-appctl'];
export const ovsRequirements = (corpus = false) => requirements({ tools: OVS_TOOLS, root: true, corpus });

/** Where Debian keeps the database schema. */
const SCHEMAS = ['/usr/share/openvswitch/vswitch.ovsschema', '/usr/local/share/openvswitch/vswitch.ovsschema'];

/** Waits for a condition by polling it (a short pause between tries); no deadline: the test's own timeout is the bound. */
export async function until<T>(what: () => Promise<T | undefined> | T | undefined, pause = 20): Promise<T> {
  for (;;) {
    const v = await what();
    if (v !== undefined) return v;
    await sleep(pause);
  }
}

/**
 * A JSON-RPC connection to a daemon's unixctl socket (what ovs-appctl
 * speaks), so that thousands of ofproto/trace and netdev-dummy/receive
 * calls go over one connection instead of a process each. Requests are
 * pipelined, a window at a time.
 */
export class Unixctl {
  private buf = '';
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();

  private constructor(private readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => this.onData(d));
    sock.on('error', (e) => this.failAll(e));
    sock.on('close', () => this.failAll(new Error('unixctl connection closed')));
  }

  static open(path: string): Promise<Unixctl> {
    return new Promise((resolve, reject) => {
      const s = connect(path);
      s.once('connect', () => resolve(new Unixctl(s)));
      s.once('error', reject);
    });
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /** Splits the stream into top-level JSON objects (OVS writes them back to back). */
  private onData(d: string): void {
    this.buf += d;
    let depth = 0;
    let inString = false;
    let start = 0;
    for (let i = 0; i < this.buf.length; i++) {
      const c = this.buf[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) {
        const msg = JSON.parse(this.buf.slice(start, i + 1)) as { id: number; result: string | null; error: unknown };
        start = i + 1;
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (!p) continue;
        if (msg.error !== null && msg.error !== undefined) p.reject(new Error(String(msg.error)));
        else p.resolve(msg.result ?? '');
      }
    }
    this.buf = this.buf.slice(start);
  }

  call(method: string, params: string[]): Promise<string> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.sock.write(JSON.stringify({ method, params, id }));
    });
  }

  /** Many calls, at most `window` outstanding; results in order. */
  async batch(calls: { method: string; params: string[] }[], window = 32): Promise<string[]> {
    const out: string[] = new Array(calls.length);
    let next = 0;
    const worker = async () => {
      while (next < calls.length) {
        const i = next++;
        out[i] = await this.call(calls[i].method, calls[i].params);
      }
    };
    await Promise.all(Array.from({ length: Math.min(window, calls.length) }, worker));
    return out;
  }

  close(): void {
    this.sock.end();
  }
}

/**
 * An Open vSwitch of the test's own: ovsdb-server and ovs-vswitchd started
 * as child processes with their database, sockets, pid and log files in a
 * temporary directory (OVS_RUNDIR and friends point there, so nothing of a
 * system instance is touched), the userspace datapath (dpif-netdev, in the
 * dummy flavour OVS's own tests use) and dummy ports. It is stopped by the
 * processes it started, and its directory removed.
 */
export class OvsSandbox {
  readonly dir: string;
  private readonly procs: ChildProcess[] = [];
  private ctl?: Unixctl;
  private readonly env: NodeJS.ProcessEnv;

  /**
   * Should the test's process end without stop() (a crashed or killed worker), its daemons go with it: they
   * would otherwise live on, holding their directory.
   */
  private readonly onExit = () => {
    for (const p of this.procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  };

  private constructor(prefix: string) {
    process.once('exit', this.onExit);
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    this.env = {
      ...process.env,
      OVS_RUNDIR: this.dir,
      OVS_LOGDIR: this.dir,
      OVS_DBDIR: this.dir,
      OVS_SYSCONFDIR: this.dir,
    };
  }

  get db(): string {
    return `unix:${join(this.dir, 'db.sock')}`;
  }

  static async start(prefix = 'tmesc-openflow-'): Promise<OvsSandbox> {
    const s = new OvsSandbox(prefix);
    try {
      await s.boot();
    } catch (e) {
      await s.stop();
      throw e;
    }
    return s;
  }

  private spawnOwn(cmd: string, args: string[]): ChildProcess {
    const p = spawn(cmd, args, { env: this.env, cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => {
      if (code && !this.stopping)
        this.died = `${cmd} exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`;
    });
    this.procs.push(p);
    return p;
  }

  private stopping = false;
  private died?: string;

  private alive(): void {
    if (this.died) throw new Error(this.died);
  }

  private async boot(): Promise<void> {
    const schema = SCHEMAS.find((p) => existsSync(p));
    if (!schema) throw new Error(`no vswitch.ovsschema in ${SCHEMAS.join(' or ')}`);
    await exec('ovsdb-tool', ['create', join(this.dir, 'conf.db'), schema], { env: this.env });
    this.spawnOwn('ovsdb-server', [
      `--remote=punix:${join(this.dir, 'db.sock')}`,
      `--unixctl=${join(this.dir, 'ovsdb.ctl')}`,
      `--pidfile=${join(this.dir, 'ovsdb.pid')}`,
      `--log-file=${join(this.dir, 'ovsdb.log')}`,
      '-vconsole:off',
      join(this.dir, 'conf.db'),
    ]);
    await until(async () => {
      this.alive();
      if (!existsSync(join(this.dir, 'db.sock'))) return undefined;
      return this.vsctl(['--no-wait', 'init']).then(
        () => true,
        () => undefined,
      );
    });
    // datapath flows (and the recirculation contexts they hold, which traces of select groups resume) live for
    // the whole test, however slow the machine
    await this.vsctl(['--no-wait', 'set', 'Open_vSwitch', '.', 'other_config:max-idle=3600000']);
    const ctl = join(this.dir, 'vswitchd.ctl');
    this.spawnOwn('ovs-vswitchd', [
      this.db,
      `--unixctl=${ctl}`,
      `--pidfile=${join(this.dir, 'vswitchd.pid')}`,
      `--log-file=${join(this.dir, 'vswitchd.log')}`,
      // dummy netdevs and the userspace datapath's dummy flavour: its internal ports are no tap devices, so the
      // machine's network namespace gets nothing (the plain netdev datapath makes a tap per bridge, and one
      // 'ovs-netdev' per namespace)
      '--enable-dummy=override',
      '--disable-system',
      '-vconsole:off',
    ]);
    this.ctl = await until(async () => {
      this.alive();
      if (!existsSync(ctl)) return undefined;
      return Unixctl.open(ctl).then(
        (c) => c,
        () => undefined,
      );
    });
  }

  vsctl(args: string[]): Promise<string> {
    return exec('ovs-vsctl', [`--db=${this.db}`, ...args], { env: this.env }).then((r) => r.stdout);
  }

  ofctl(args: string[]): Promise<string> {
    return exec('ovs-ofctl', ['-O', 'OpenFlow13', ...args], { env: this.env, maxBuffer: 1 << 28 }).then(
      (r) => r.stdout,
    );
  }

  /** The bridge's OpenFlow socket. */
  mgmt(bridge: string): string {
    return `unix:${join(this.dir, `${bridge}.mgmt`)}`;
  }

  /** The name of a bridge's dummy port. */
  static portName(bridge: string, port: number): string {
    return `${bridge}p${port}`;
  }

  /** The file a port's transmitted packets go to. */
  txPcap(bridge: string, port: number): string {
    return join(this.dir, `${OvsSandbox.portName(bridge, port)}.pcap`);
  }

  /**
   * A bridge on the userspace datapath (datapath_type=netdev) that only its
   * flows forward (fail-mode=secure), with a dummy port for each number
   * (ofport = the number), each writing what it transmits to a pcap file.
   */
  async addBridge(bridge: string, ports: number[]): Promise<void> {
    const args = [
      'add-br',
      bridge,
      '--',
      'set',
      'bridge',
      bridge,
      'datapath_type=netdev',
      'fail-mode=secure',
      'protocols=OpenFlow13',
    ];
    for (const p of ports) {
      const name = OvsSandbox.portName(bridge, p);
      args.push(
        '--',
        'add-port',
        bridge,
        name,
        '--',
        'set',
        'interface',
        name,
        'type=dummy',
        `ofport_request=${p}`,
        // frames as large as captures have them (GSO, jumbo): a dummy port's MTU is 1500 otherwise
        'mtu_request=65535',
        `options:tx_pcap=${this.txPcap(bridge, p)}`,
      );
    }
    await this.vsctl(args);
    await until(() => (existsSync(join(this.dir, `${bridge}.mgmt`)) ? true : undefined));
    // every port has its OpenFlow number before anything is loaded
    await until(async () => {
      const show = await this.ofctl(['show', this.mgmt(bridge)]);
      return ports.every((p) => show.includes(` ${p}(${OvsSandbox.portName(bridge, p)})`)) ? true : undefined;
    });
  }

  /** Loads a program: groups first (flows refer to them), then flows; fragments matched as nx-match says. */
  async load(bridge: string, groupsFile: string, flowsFile: string): Promise<void> {
    await this.ofctl(['set-frags', this.mgmt(bridge), 'nx-match']);
    await this.ofctl(['add-groups', this.mgmt(bridge), groupsFile]);
    await this.ofctl(['add-flows', this.mgmt(bridge), flowsFile]);
  }

  /** Replaces a bridge's flows with a file's. */
  async replaceFlows(bridge: string, flowsFile: string): Promise<void> {
    await this.ofctl(['replace-flows', this.mgmt(bridge), flowsFile]);
  }

  /** Per port, the packets received and transmitted (OpenFlow port statistics). */
  async portStats(bridge: string): Promise<Map<number, { rx: number; tx: number }>> {
    const out = await this.ofctl(['dump-ports', this.mgmt(bridge)]);
    const stats = new Map<number, { rx: number; tx: number }>();
    for (const m of out.matchAll(/port\s+(\d+):\s*rx pkts=(\d+).*\n\s*tx pkts=(\d+)/g))
      stats.set(Number(m[1]), { rx: Number(m[2]), tx: Number(m[3]) });
    return stats;
  }

  get unixctl(): Unixctl {
    if (!this.ctl) throw new Error('ovs-vswitchd is not running');
    return this.ctl;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    process.off('exit', this.onExit);
    this.ctl?.close();
    for (const p of [...this.procs].reverse()) {
      if (p.exitCode !== null || p.signalCode !== null) continue;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
