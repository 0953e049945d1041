/** What `ofproto/trace` says a packet does, as OpenFlow sees it. */
export interface Traced {
  /** OpenFlow groups executed (`group:N`), in order. */
  groups: number[];
  /** Ports output to, with the VLAN id set last before each output (undefined: none set). */
  outputs: { port: number; vid?: number }[];
  /** The datapath actions line. */
  datapath: string;
}

/**
 * Reads the OpenFlow actions of a trace (`ofproto/trace BRIDGE in_port=N
 * HEX`): each executed action is on a line of its own, indented under the
 * flow that ran it, buckets included.
 */
export function parseTrace(text: string): Traced {
  const groups: number[] = [];
  const outputs: { port: number; vid?: number }[] = [];
  let vid: number | undefined;
  let datapath = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('Datapath actions:')) datapath = line.slice('Datapath actions:'.length).trim();
    let m: RegExpExecArray | null;
    if ((m = /^group:(\d+)$/.exec(line))) groups.push(Number(m[1]));
    else if ((m = /^set_field:(\d+)->vlan_vid$/.exec(line))) vid = Number(m[1]) & 0xfff;
    else if (line === 'pop_vlan') vid = undefined;
    else if ((m = /^output(?::|\(port=)(\d+)/.exec(line))) outputs.push({ port: Number(m[1]), vid });
  }
  return { groups, outputs, datapath };
}

/** What traceAll needs of the switch: a unixctl connection. */
interface Tracer {
  batch(calls: { method: string; params: string[] }[], window?: number): Promise<string[]>;
}

/**
 * Traces packets through a bridge, following recirculations: a select group
 * hashes in the datapath (dp_hash), so the translation stops there with
 * `recirc(ID)` and the rest of the packet's actions (the chosen bucket,
 * later groups) run when it comes back. The rest is traced by resuming that
 * context (`recirc_id=ID,dp_hash=1`), which the datapath flow of the same
 * packet keeps alive: send the packets through the datapath first. The
 * actions of every part are merged.
 */
export async function traceAll(
  ctl: Tracer,
  bridge: string,
  packets: { inPort: number; data: Buffer }[],
): Promise<Traced[]> {
  const out: Traced[] = packets.map(() => ({ groups: [], outputs: [], datapath: '' }));
  let pending = packets.map((p, i) => ({ i, flow: `in_port=${p.inPort}` }));
  for (let round = 0; pending.length > 0; round++) {
    if (round > 16) throw new Error(`packets still recirculating after ${round} traces`);
    const texts = await ctl.batch(
      pending.map((p) => ({ method: 'ofproto/trace', params: [bridge, p.flow, packets[p.i].data.toString('hex')] })),
    );
    const next: typeof pending = [];
    texts.forEach((text, k) => {
      const { i } = pending[k];
      if (/Translation failed|context not found/i.test(text))
        throw new Error(`trace of packet ${i} (${pending[k].flow}) failed:\n${text.slice(-400)}`);
      const t = parseTrace(text);
      out[i].groups.push(...t.groups);
      out[i].outputs.push(...t.outputs);
      out[i].datapath += (out[i].datapath ? ' | ' : '') + t.datapath;
      const recirc = /recirc\((0x[0-9a-f]+)\)$/.exec(t.datapath);
      if (recirc) next.push({ i, flow: `recirc_id=${recirc[1]},dp_hash=0x1,in_port=${packets[i].inPort}` });
    });
    pending = next;
  }
  return out;
}
