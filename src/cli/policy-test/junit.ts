import type { TestOutcome } from './run-tests.js';

/** XML 1.0 text: the five entities, and characters XML cannot hold at all replaced. */
function xml(s: string): string {
  return s
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * The results as JUnit XML (the format Jenkins, GitLab, GitHub test
 * reporters and Azure read): one testsuite for the tests file, one testcase a
 * test, a <failure> with the details for a failed test, an <error> for one
 * that could not run.
 */
export function junit(
  suite: string,
  outcomes: TestOutcome[],
  details: (o: TestOutcome) => string,
  seconds: number,
): string {
  const failures = outcomes.filter((o) => o.status === 'fail').length;
  const errors = outcomes.filter((o) => o.status === 'error').length;
  const time = seconds.toFixed(3);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="tmesc test" tests="${outcomes.length}" failures="${failures}" errors="${errors}" time="${time}">`,
    `  <testsuite name="${xml(suite)}" tests="${outcomes.length}" failures="${failures}" errors="${errors}" skipped="0" time="${time}">`,
  ];
  for (const o of outcomes) {
    const head = `    <testcase name="${xml(o.name)}" classname="${xml(suite)}" time="0">`;
    if (o.status === 'pass') {
      lines.push(head.replace(/>$/, '/>'));
      continue;
    }
    lines.push(head);
    const tag = o.status === 'fail' ? 'failure' : 'error';
    const message = o.status === 'fail' ? `expected: ${o.expected}` : (o.error ?? 'error').split('\n')[0];
    lines.push(
      `      <${tag} message="${xml(message)}" type="${tag === 'failure' ? 'AssertionError' : 'TestError'}">${xml(details(o))}</${tag}>`,
    );
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}
