import { formatFlow, formatGroup } from './flow.js';
import type { OpenFlowProgram } from './program.js';

/** Quotes a name for a comment line: no line breaks or control characters from the policy reach the file. */
function safe(s: string): string {
  return JSON.stringify(s);
}

/** The flows file: `ovs-ofctl -O OpenFlow13 add-flows BRIDGE FILE` reads it (# lines are comments). */
export function flowsText(p: OpenFlowProgram, policyName: string): string {
  const head = [
    `# tmesc OpenFlow flows for policy ${safe(policyName)}: ${p.flows.length} flows in ${p.tables} tables`,
    '# load the groups first: ovs-ofctl -O OpenFlow13 add-groups BRIDGE groups.ofctl; then add-flows BRIDGE flows.ofctl',
  ];
  return [...head, ...p.flows.map(formatFlow)].join('\n') + '\n';
}

/** The groups file: `ovs-ofctl -O OpenFlow13 add-groups BRIDGE FILE` reads it. */
export function groupsText(p: OpenFlowProgram, policyName: string): string {
  const head = [`# tmesc OpenFlow groups for policy ${safe(policyName)}: ${p.groups.length} groups`];
  return [...head, ...p.groups.map(formatGroup)].join('\n') + '\n';
}
