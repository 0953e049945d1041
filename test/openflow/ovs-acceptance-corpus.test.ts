import { corpusPackets } from './support/oracle.js';
import { describeOnOvs } from './support/differential.js';

/**
 * The acceptance policies of ovs-acceptance.test.ts over the corpus's
 * Ethernet captures, dealt to each policy's own four or five taps
 * (support/differential.ts says what is compared). Skips without the corpus.
 */
describeOnOvs({
  what: 'corpus, acceptance policies',
  corpus: true,
  packets: (taps) => corpusPackets(taps, Infinity, Infinity),
  minPackets: 4000,
  maxMalformed: Infinity,
  cases: [
    { name: 'campus', split: 'parts', fieldsIn: 'headers' },
    { name: 'overlay', split: 'parts', fieldsIn: 'registers' },
    { name: 'privacy', split: 'parts', fieldsIn: 'headers' },
    { name: 'edge6', split: 'parts', fieldsIn: 'registers' },
    { name: 'odd', split: 'parts', fieldsIn: 'headers' },
    { name: 'spans', split: 'parts', fieldsIn: 'headers' },
  ],
});
