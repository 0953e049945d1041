import { WORD, type ByteSet } from './byteset.js';
import { PREV_WORD } from './closure.js';
import { MAX_PROGRAM_SIZE } from './limits.js';
import { WORD_BOUNDARY, NOT_WORD_BOUNDARY, type Node } from './parse.js';
import { refuse } from './problem.js';
import { ASSERT, BYTE, JUMP, MATCH, SPLIT, type Program } from './program.js';

/** Instructions `n` compiles to, or a number above the limit as soon as it is sure to exceed it. */
function sizeOf(n: Node): number {
  const cap = (x: number) => Math.min(x, MAX_PROGRAM_SIZE + 1);
  switch (n.t) {
    case 'bytes':
    case 'assert':
      return 1;
    case 'seq':
      return cap(n.items.reduce((s, x) => s + sizeOf(x), 0));
    case 'alt':
      return cap(n.items.reduce((s, x) => s + sizeOf(x) + 2, -2));
    case 'rep': {
      const s = sizeOf(n.node);
      const opt = Number.isFinite(n.max) ? (n.max - n.min) * (s + 1) : n.min > 0 ? 1 : s + 2;
      return cap(n.min * s + opt);
    }
  }
}

class Builder {
  op: number[] = [];
  arg: number[] = [];
  next: number[] = [];
  alt: number[] = [];
  sets: ByteSet[] = [];
  private setIds = new Map<string, number>();
  usesWord = false;

  get pc(): number {
    return this.op.length;
  }

  emit(op: number, arg = 0, next = this.pc + 1, alt = -1): number {
    const pc = this.pc;
    this.op.push(op);
    this.arg.push(arg);
    this.next.push(next);
    this.alt.push(alt);
    return pc;
  }

  setId(s: ByteSet): number {
    const key = Buffer.from(s).toString('latin1');
    let id = this.setIds.get(key);
    if (id === undefined) {
      id = this.sets.length;
      this.sets.push(s);
      this.setIds.set(key, id);
    }
    return id;
  }

  node(n: Node): void {
    switch (n.t) {
      case 'bytes':
        this.emit(BYTE, this.setId(n.set));
        return;
      case 'assert':
        if (n.kind === WORD_BOUNDARY || n.kind === NOT_WORD_BOUNDARY) this.usesWord = true;
        this.emit(ASSERT, n.kind);
        return;
      case 'seq':
        for (const x of n.items) this.node(x);
        return;
      case 'alt': {
        const jumps: number[] = [];
        n.items.forEach((x, k) => {
          const last = k === n.items.length - 1;
          const split = last ? -1 : this.emit(SPLIT);
          this.node(x);
          if (!last) {
            jumps.push(this.emit(JUMP));
            this.alt[split] = this.pc;
          }
        });
        for (const j of jumps) this.next[j] = this.pc;
        return;
      }
      case 'rep':
        this.repeat(n.node, n.min, n.max, n.greedy);
        return;
    }
  }

  /** A split whose preferred branch is the body when greedy, the way out when lazy. */
  private patchChoice(split: number, body: number, out: number, greedy: boolean): void {
    this.next[split] = greedy ? body : out;
    this.alt[split] = greedy ? out : body;
  }

  private repeat(body: Node, min: number, max: number, greedy: boolean): void {
    for (let k = 0; k < min - (Number.isFinite(max) ? 0 : 1); k++) this.node(body);
    if (!Number.isFinite(max)) {
      if (min > 0) {
        // e{n,}: n-1 copies, then e+ (one copy and a loop back)
        const top = this.pc;
        this.node(body);
        const split = this.emit(SPLIT);
        this.patchChoice(split, top, this.pc, greedy);
      } else {
        const split = this.emit(SPLIT);
        this.node(body);
        this.emit(JUMP, 0, split);
        this.patchChoice(split, split + 1, this.pc, greedy);
      }
      return;
    }
    // e{n,m}: (m-n) optional copies, each one's way out going to the end: (?:e(?:e)?)?
    const splits: number[] = [];
    for (let k = min; k < max; k++) {
      splits.push(this.emit(SPLIT));
      this.node(body);
    }
    for (const s of splits) this.patchChoice(s, s + 1, this.pc, greedy);
  }
}

/** Byte classes: bytes that every set (and the word test) treats alike share a class. */
function classify(sets: ByteSet[], usesWord: boolean) {
  const all = usesWord ? [...sets, WORD] : sets;
  const classOf = new Uint8Array(256);
  const ids = new Map<string, number>();
  const reps: number[] = [];
  for (let b = 0; b < 256; b++) {
    let sig = '';
    for (const s of all) sig += s[b] ? '1' : '0';
    let id = ids.get(sig);
    if (id === undefined) {
      id = reps.length;
      ids.set(sig, id);
      reps.push(b);
    }
    classOf[b] = id;
  }
  const classes = reps.length;
  const setHas = new Uint8Array(sets.length * classes);
  sets.forEach((s, j) => reps.forEach((b, c) => (setHas[j * classes + c] = s[b])));
  const wordClass = Uint8Array.from(reps, (b) => WORD[b]);
  return { classOf, classes, setHas, wordClass };
}

export function compileNode(root: Node): Program {
  const estimate = sizeOf(root) + 1;
  if (estimate > MAX_PROGRAM_SIZE)
    refuse(
      'TMES0604',
      `pattern compiles to more than ${MAX_PROGRAM_SIZE} automaton instructions, more than tmesc runs (a counted repetition such as {2,500} is expanded into one copy per count); make the counts smaller or the pattern shorter`,
    );
  const b = new Builder();
  b.node(root);
  b.emit(MATCH, 0, -1);
  const { classOf, classes, setHas, wordClass } = classify(b.sets, b.usesWord);
  return {
    size: b.op.length,
    op: Uint8Array.from(b.op),
    arg: Int32Array.from(b.arg),
    next: Int32Array.from(b.next),
    alt: Int32Array.from(b.alt),
    classOf,
    classes,
    setHas,
    wordClass,
    usesWord: b.usesWord,
    flagAfter: wordClass.map((w) => (b.usesWord && w ? PREV_WORD : 0)),
  };
}
