import { corpusPackets } from './support/oracle.js';
import { describeOnOvs } from './support/differential.js';

/**
 * The OpenFlow program on a real Open vSwitch over the corpus: every whole
 * frame of every Ethernet capture (about 4,900 packets, the captures dealt
 * to three taps), traced and sent through the datapath
 * (support/differential.ts says what is compared). ovs-generated.test.ts
 * does the same with frames the test makes, for a clone without the corpus.
 */
describeOnOvs({
  what: 'corpus',
  corpus: true,
  packets: () => corpusPackets(3, Infinity, Infinity),
  minPackets: 4000,
  maxMalformed: Infinity,
  cases: [
    { name: 'fabric', split: 'whole', fieldsIn: 'headers' },
    { name: 'fabric', split: 'parts', fieldsIn: 'headers' },
    { name: 'fabric', split: 'parts', fieldsIn: 'registers' },
    // review.tmes: a second policy (a group that strips, cuts and is marked; rules from single taps)
    { name: 'review', split: 'parts', fieldsIn: 'headers' },
    { name: 'review', split: 'parts', fieldsIn: 'registers' },
    // l4.tmes: port rules alone, their protocol tests folded into the ports' flows and punting from there
    { name: 'l4', split: 'parts', fieldsIn: 'headers' },
    { name: 'l4', split: 'parts', fieldsIn: 'registers' },
  ],
});
