import { defineCheck } from '../context.js';

/** A tool with nowhere to write: every packet sent to it would be lost. */
export const toolWithoutOutput = defineCheck({
  name: 'tool-without-output',
  codes: ['TMES0401'],
  run({ symbols, bag }) {
    for (const { tool } of symbols.tools.values())
      if (!tool.items.some((i) => i.kind === 'Output'))
        bag.add(
          'TMES0401',
          tool.name.span,
          `tool '${tool.name.name}' has no output; add output interface "...", output pcap "..." or output pcapng "..."`,
        );
  },
});
