/**
 * Why a pattern is refused. The checker turns it into a diagnostic at the
 * pattern's place in the policy; the runtime, loading an artifact, into an
 * error naming the pattern. `offset`/`length` locate the offending part in
 * the pattern's source (the text between the slashes, `\/` read as `/`).
 */
export type PatternCode = 'TMES0600' | 'TMES0601' | 'TMES0602' | 'TMES0603' | 'TMES0604' | 'TMES0605';

export interface PatternProblem {
  code: PatternCode;
  message: string;
  offset: number;
  length: number;
}

export class PatternError extends Error {
  constructor(readonly problem: PatternProblem) {
    super(problem.message);
  }
}

export function refuse(code: PatternCode, message: string, offset = 0, length = 0): never {
  throw new PatternError({ code, message, offset, length });
}
