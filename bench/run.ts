import { benchActions } from './actions.js';
import { benchCompile, benchCompileShapes } from './compile.js';
import { benchInstructions } from './instructions.js';
import { benchLive } from './live.js';
import { benchOpenFlow } from './openflow.js';
import { benchOpenFlowMegaflows } from './openflow-megaflows.js';
import { benchLiveHostLink } from './live-host-link.js';
import { benchRuntime } from './runtime.js';
import { benchStartup } from './startup.js';
import { benchValidate } from './validate.js';

/** `npm run bench [-- NAME...]`: runs the named benchmarks (all by default) and prints figures. */
const benches: Record<string, () => Promise<void>> = {
  validate: () => benchValidate(),
  compile: () => benchCompile(),
  shapes: () => benchCompileShapes(),
  runtime: () => benchRuntime(),
  startup: () => benchStartup(),
  actions: () => benchActions(),
  instructions: () => benchInstructions(),
  'instructions-payload': () => benchInstructions('payload'),
  'instructions-balance': () => benchInstructions('balance'),
  'instructions-inner': () => benchInstructions('inner'),
  'instructions-counting': () => benchInstructions('counting'),
  'instructions-compare': () => benchInstructions('compare'),
  'instructions-compare-mask': () => benchInstructions('compare-mask'),
  // the compare policy's groups and rules with no steps and no mark: what its unmasked run is judged against
  'instructions-compare-plain': () => benchInstructions('compare-plain'),
  live: () => benchLive(),
  'instructions-strip': () => benchInstructions('strip all'),
  'instructions-truncate': () => benchInstructions('truncate payload 0'),
  'instructions-timestamp': () => benchInstructions('timestamp ip-option'),
  'instructions-actions': () => benchInstructions('strip all; truncate payload 0; timestamp ip-option'),
  'instructions-mask': () => benchInstructions('mask card-number, credentials'),
  'instructions-shape': () => benchInstructions('shape burst 256 KB'),
  // every TCP payload searched per session; the generated responses' Server header shrinks, so later numbers shift
  'instructions-replace': () => benchInstructions('replace /Server: [^\\r\\n]*/ with "Server: x"'),
  openflow: () => benchOpenFlow(),
  'openflow-megaflows': () => benchOpenFlowMegaflows(),
  'live-host-link': () => benchLiveHostLink(),
};
// by name only: `live` needs root and creates interfaces (`openflow-megaflows` root and Open vSwitch); `shapes` is part of `compile`, and by name alone it runs
// without the rest of it
const byNameOnly = new Set(['live', 'shapes', 'openflow-megaflows', 'live-host-link']);

const wanted = process.argv.slice(2).length
  ? process.argv.slice(2)
  : Object.keys(benches).filter((b) => !byNameOnly.has(b));
for (const name of wanted) {
  const b = benches[name];
  if (!b) {
    console.error(`unknown benchmark '${name}'; known: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  await b();
  console.log('');
}
