import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LINKTYPE } from '../../fields/fields.js';

/**
 * The `cap` package (libpcap for Node), an optional dependency: tmesc
 * installs and runs on capture files without it. It is not context-aware:
 * its addon loads in one thread of a process and fails in any other ("Module
 * did not self-register"), so only the capture thread loads it; the other
 * threads only ask whether it is there.
 */

export interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): void;
  send(buffer: Buffer, nBytes?: number): void;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void;
}

export interface CapModule {
  Cap: new () => CapHandle;
  deviceList(): { name: string }[];
}

export const HOW_TO_ENABLE =
  "live capture needs the optional 'cap' package, built against libpcap: install libpcap's headers " +
  '(Debian, Ubuntu: apt-get install libpcap-dev; Fedora: dnf install libpcap-devel), a C++ compiler ' +
  "and make, then run 'npm install' (or 'npm rebuild cap') where tmesc is installed";

/** Whether cap is installed and built, without loading it (this may not be the thread that will). */
export function capAvailable(): boolean {
  try {
    const main = createRequire(import.meta.url).resolve('cap');
    return existsSync(join(dirname(main), '..', 'build', 'Release', 'cap.node'));
  } catch {
    return false;
  }
}

/** Loads cap: in the capture thread only. */
export function loadCap(): CapModule {
  try {
    return createRequire(import.meta.url)('cap') as CapModule;
  } catch (e) {
    throw new Error(`${HOW_TO_ENABLE} (${(e as Error).message})`, { cause: e });
  }
}

/** cap names the link types it knows; the rest come as 'Unknown linktype N'. */
export function linkTypeOf(name: string): number | undefined {
  switch (name) {
    case 'ETHERNET':
      return LINKTYPE.ETHERNET;
    case 'NULL':
      return LINKTYPE.NULL;
    case 'RAW':
      return LINKTYPE.RAW;
    case 'LINKTYPE_LINUX_SLL':
      return LINKTYPE.LINUX_SLL;
    case 'IEEE802_11_RADIO':
      // LINKTYPE_IEEE802_11_RADIOTAP: tmesc does not decode it; its packets count as undecoded
      return 127;
  }
  const m = /Unknown linktype (\d+)/.exec(name);
  return m ? Number(m[1]) : undefined;
}
