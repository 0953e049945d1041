import type { Span } from '../../diagnostics/diagnostic.js';
import { ACTIONS, type ActionHandler } from '../actions/index.js';
import { defineCheck } from '../context.js';

/**
 * A block that sets one thing twice: a tap's source, a tool's output or
 * rate or an output's precision, a group action that applies once. Only the first applies, so the
 * second is an error; two truncate or timestamp lines contradict each other
 * (TMES0411). The actions that may repeat (strip, mask, replace lists) are
 * the handlers' `repeat` (check/actions/).
 */
export const duplicateSetting = defineCheck({
  name: 'duplicate-setting',
  codes: ['TMES0405', 'TMES0411'],
  run({ symbols, bag }) {
    const twice = (span: Span, what: string, first: Span, code: 'TMES0405' | 'TMES0411' = 'TMES0405') =>
      bag.add(code, span, `${what} is given twice`, { related: [{ message: 'first given here', span: first }] });

    for (const tap of symbols.taps.values()) {
      let source: Span | undefined;
      for (const item of tap.items) {
        if (item.kind === 'Mark') continue;
        if (source) twice(item.span, `tap '${tap.name.name}' source`, source);
        else source = item.span;
      }
    }
    for (const { tool } of symbols.tools.values()) {
      const first = new Map<string, Span>();
      for (const item of tool.items) {
        const key = item.kind === 'Output' ? 'output' : 'rate';
        const prev = first.get(key);
        if (prev) twice(item.span, `tool '${tool.name.name}' ${key}`, prev);
        else first.set(key, item.span);
        if (item.kind !== 'Output') continue;
        let precision: Span | undefined;
        for (const { name } of item.options) {
          if (name.word !== 'precision') continue;
          if (precision) twice(name.span, 'output precision', precision);
          else precision = name.span;
        }
      }
    }
    for (const g of symbols.groups.values()) {
      const first = new Map<string, Span>();
      for (const a of g.actions) {
        const h = ACTIONS[a.kind] as ActionHandler;
        if (h.repeat === 'many') continue;
        const prev = first.get(a.kind);
        if (!prev) {
          first.set(a.kind, a.span);
          continue;
        }
        bag.add(
          h.repeat === 'once-conflict' ? 'TMES0411' : 'TMES0405',
          a.span,
          `'${h.keyword}' is given twice in group '${g.name.name}'${h.repeat === 'once-conflict' ? '; the two lines contradict each other' : ''}`,
          { related: [{ message: 'first given here', span: prev }] },
        );
      }
    }
  },
});
