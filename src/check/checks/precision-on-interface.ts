import { defineCheck } from '../context.js';

/** precision says how a file stores timestamps; an interface sends packets with none. */
export const precisionOnInterface = defineCheck({
  name: 'precision-on-interface',
  codes: ['TMES0442'],
  run({ symbols, bag }) {
    for (const { tool } of symbols.tools.values())
      for (const item of tool.items)
        if (item.kind === 'Output' && item.type.word === 'interface')
          for (const { name } of item.options)
            if (name.word === 'precision')
              bag.add(
                'TMES0442',
                name.span,
                'precision applies to pcap and pcapng files; an interface sends packets as they are, with no timestamps',
              );
  },
});
