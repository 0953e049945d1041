import type { Severity } from './diagnostic.js';

/**
 * The catalogue of diagnostic codes. Codes are stable: a code is never reused
 * for another meaning, and CI configurations key on them. docs/diagnostics.md
 * has one entry per code (a test keeps the two in step).
 */
export interface CodeInfo<K extends string = Code> {
  readonly code: K;
  /** Short kebab-case id, used as SARIF rule name and in suppressions. */
  readonly name: string;
  readonly title: string;
  readonly severity: Severity;
  /** One paragraph: why it matters and how to fix it. */
  readonly help: string;
}

function c<K extends `TMES${number}`>(
  code: K,
  name: string,
  severity: Severity,
  title: string,
  help: string,
): CodeInfo<K> {
  return Object.freeze({ code, name, severity, title, help });
}

const LIST = [
  // ---- syntax (0xxx)
  c(
    'TMES0001',
    'unexpected-character',
    'error',
    'Unexpected character',
    'The lexer met a character that starts no token of the language. Remove it, or quote it inside a string.',
  ),
  c(
    'TMES0002',
    'unterminated-string',
    'error',
    'Unterminated string',
    'A string opened with " has no closing quote on the same line. Close it; write \\" for a quote inside a string.',
  ),
  c(
    'TMES0003',
    'unterminated-regex',
    'error',
    'Unterminated pattern',
    'A /pattern/ has no closing slash on the same line. Close it; write \\/ for a slash inside a pattern.',
  ),
  c(
    'TMES0004',
    'invalid-escape',
    'error',
    'Invalid escape in a string',
    'Strings know \\\\, \\", \\n, \\r, \\t and \\xHH. Write the character itself or one of these escapes.',
  ),
  c(
    'TMES0010',
    'syntax-error',
    'error',
    'Syntax error',
    'The statement does not follow the grammar. The message says what was expected at that point; docs/language.md has the grammar of every statement.',
  ),
  c(
    'TMES0011',
    'invalid-literal',
    'error',
    'Invalid literal',
    'An address, MAC address, prefix or number is not well formed (an IPv4 octet above 255, a prefix length above 32 or 128, a MAC without six octets). Correct the literal.',
  ),
  c(
    'TMES0040',
    'nesting-too-deep',
    'error',
    'Nesting too deep',
    'A statement nests more than 128 levels deep: parentheses, brackets, not, unary minus and each switch between and and or add a level, inner( two (as does each operator of a chain of / % << >>). The statement is skipped. Chains of one operator, of any length, need no parentheses (a or b or c ...); name the parts with define filter if the nesting is real.',
  ),
  c(
    'TMES0041',
    'more-errors-not-shown',
    'info',
    'More syntax errors not shown',
    'A file reports its first 100 syntax errors; this note counts the rest and marks where they begin. Fix the errors shown and run again. A file with this many errors is often not a policy at all.',
  ),
  // ---- files and includes (01xx)
  c(
    'TMES0100',
    'include-not-found',
    'error',
    'Included file not found',
    'An include names a file that cannot be read. Include paths are relative to the including file; check the spelling and that the file exists.',
  ),
  c(
    'TMES0101',
    'include-cycle',
    'error',
    'Include cycle',
    'Files include each other in a cycle. Move the shared definitions into a file that both include, and include nothing back from it.',
  ),
  c(
    'TMES0102',
    'policy-header',
    'warning',
    'Missing or repeated policy header',
    'Each top-level policy file starts with policy "name" exactly once (included library files have none). The name appears in outputs and statistics.',
  ),
  c(
    'TMES0110',
    'include-not-a-file',
    'error',
    'Included path is not a regular file',
    'include reads regular files only: a directory, a device (/dev/zero), a FIFO or a socket could hang the compiler or feed it without end. Name the policy file itself.',
  ),
  c(
    'TMES0111',
    'include-too-large',
    'error',
    'Included file too large',
    'A policy file may hold at most 8 MiB, and a policy with everything it includes at most 32 MiB. Split a generated file into several, or check that the include names the file you meant.',
  ),
  c(
    'TMES0112',
    'include-outside-root',
    'error',
    'Include outside the allowed directories',
    "An include may read files under the top-level policy's directory, the working directory, a directory given with --include-root DIR, or one listed in TMESC_INCLUDE_PATH (separated by ':'); symbolic links are followed before the check. Move the library under one of them or allow its directory explicitly.",
  ),
  c(
    'TMES0113',
    'include-not-a-policy',
    'error',
    'Included file is not a policy',
    'The file holds NUL bytes, is not UTF-8 text, or does not start with a statement (policy, include, define, tap, group or rule; comments and blank lines may come first). tmesc does not show its content, which may not be meant for display. Check that the include names the file you meant.',
  ),
  // ---- names (02xx)
  c(
    'TMES0200',
    'unknown-name',
    'error',
    'Unknown name',
    'A name is used that no definition, tap, group or tool declares. Check the spelling (the message suggests the closest name) or add the definition.',
  ),
  c(
    'TMES0201',
    'duplicate-name',
    'error',
    'Name defined twice',
    'Two declarations of the same kind (definitions, taps, groups, tools, rules) share a name, so references to it would be ambiguous, and statistics, explain and diff could not tell two rules apart. Rename one of them.',
  ),
  c(
    'TMES0202',
    'wrong-kind',
    'error',
    'Name of the wrong kind',
    'A name is used where a value of another kind is needed, e.g. a port list where a network is expected. Use a name of the right kind.',
  ),
  c(
    'TMES0210',
    'invalid-pattern-definition',
    'error',
    'Pattern definition is not one pattern',
    'define pattern NAME = /regex/ holds exactly one /pattern/ (flags after the closing slash). For several alternatives write one pattern with |, or define several patterns.',
  ),
  c(
    'TMES0211',
    'recursive-definition',
    'error',
    'Definition refers to itself',
    'A definition uses its own name, directly or through other definitions, so it has no value. Write out what it stands for, or split it into definitions that do not refer back.',
  ),
  // ---- values (03xx)
  c('TMES0300', 'port-range', 'error', 'Port out of range', 'Ports are 0 to 65535, and a range a-b needs a <= b.'),
  c(
    'TMES0301',
    'vlan-range',
    'error',
    'VLAN id or priority out of range',
    'VLAN ids are 0 to 4095 (4095 is reserved) and priorities 0 to 7.',
  ),
  c('TMES0302', 'mpls-range', 'error', 'MPLS label out of range', 'MPLS labels are 20 bits: 0 to 1048575.'),
  c(
    'TMES0303',
    'rate-range',
    'error',
    'Invalid rate',
    'A rate is a positive number with a unit: bps, Kbps, Mbps, Gbps or Tbps (decimal multiples), e.g. rate 10 Gbps.',
  ),
  c(
    'TMES0304',
    'size-range',
    'error',
    'Invalid size or duration',
    'Sizes take B, KB, MB, GB (decimal) or KiB, MiB, GiB (binary); durations take us, ms, s. The value must be within the range the setting allows.',
  ),
  c(
    'TMES0305',
    'cidr-host-bits',
    'error',
    'Network prefix has host bits set',
    'In a/n, the bits of a after the first n must be zero, or the prefix does not mean what it says (10.1.2.3/8 is 10.0.0.0/8). Write the network address, or use host for a single address.',
  ),
  c(
    'TMES0306',
    'address-family',
    'error',
    'IPv4 and IPv6 mixed up',
    'An IPv4 address or network is used in an IPv6-only test (or the reverse), so the test can never be true. Use an address of the family the test is about, or drop the ip/ip6 qualifier.',
  ),
  c(
    'TMES0307',
    'value-range',
    'error',
    'Number out of range',
    'A number is outside what the field can hold (TTL 0-255, DSCP 0-63, ICMP type 0-255, VXLAN/Geneve VNI 24 bits, GRE key and GTP TEID 32 bits, IP protocol 0-255, a number in filter arithmetic, the offset of a load, less or greater above 4294967295, as pcap arithmetic is unsigned 32-bit, ...).',
  ),
  c(
    'TMES0308',
    'unknown-keyword',
    'error',
    'Unknown option or keyword',
    'A word is not one this setting knows (a unit, a strip target, a built-in pattern, a TCP flag, an ICMP type name, a balance mode). The message lists what is accepted and suggests the closest.',
  ),
  c(
    'TMES0309',
    'invalid-qualifier',
    'error',
    'Qualifier does not apply',
    'A filter qualifier does not fit the primitive, e.g. udp with tcp flags, or src with broadcast. Remove the qualifier; docs/language.md lists which qualifiers each primitive takes.',
  ),
  c(
    'TMES0310',
    'mixed-and-or',
    'warning',
    'and/or mixed without parentheses',
    'As in pcap-filter(7), and and or have equal precedence and group from left to right: a or b and c means (a or b) and c. Add parentheses to say which you mean.',
  ),
  c(
    'TMES0311',
    'invalid-fill',
    'error',
    'Invalid mask fill',
    'A mask fill is exactly one character, because masking keeps the length of the packet.',
  ),
  c(
    'TMES0312',
    'invalid-offset',
    'error',
    'Invalid packet offset',
    'A proto[offset:size] access needs size 1, 2 or 4 and a non-negative offset; division by zero is not allowed.',
  ),
  c(
    'TMES0320',
    'unsupported-primitive',
    'error',
    'pcap-filter primitive tmesc does not support',
    'The filter uses a pcap-filter(7) primitive or keyword that tmesc does not support: gateway (it needs host names resolved), DECnet addresses, 802.11 header tests (wlan addr1, type, subtype, dir), OpenBSD pf log fields, SunATM fields, radio[...]. The message says what to write instead where tmesc has an equivalent; docs/language.md lists every pcap-filter primitive against tmesc.',
  ),
  c(
    'TMES0321',
    'malformed-setting',
    'error',
    'Setting does not follow its form',
    'The words of a setting are out of order, or some are missing or extra (e.g. timestamp ip-option ipv6 hop-by-hop). The message gives the form the setting takes; docs/language.md has every setting.',
  ),
  c(
    'TMES0322',
    'missing-value',
    'error',
    'Test needs a value',
    'A filter test that compares a field names the field but gives no value to compare it with (vlan priority with no number). Add the value.',
  ),
  c(
    'TMES0340',
    'host-name',
    'error',
    'Host name in a filter',
    'A filter names a host or network by a name such as www.example.com. tcpdump resolves names when it compiles a filter; tmesc does not (a policy must mean the same wherever and whenever it is compiled, and a packet broker has no business waiting on DNS). Write the address, or give the addresses a name with define hosts (define net, define macs) and use that name.',
  ),
  c(
    'TMES0341',
    'geneve-ambiguous',
    'error',
    'Tests after geneve that also run on packets that are not Geneve',
    "As in pcap-filter(7), the tests after geneve read the packet the Geneve tunnel carries. When some of them are reached on packets that are not Geneve (geneve or tcp, not geneve and tcp), libpcap reads them at offsets it never set, so tcpdump's answer is undefined there. Say which tests read the carried packet with inner(...): geneve and inner(tcp) or udp.",
  ),
  // ---- structure (04xx)
  c(
    'TMES0400',
    'empty-group',
    'error',
    'Group with no tool',
    'A group must hold at least one tool; traffic sent to an empty group could go nowhere.',
  ),
  c(
    'TMES0401',
    'tool-without-output',
    'error',
    'Tool with no output',
    'Every tool needs one output: interface "name", pcap "file" or pcapng "file".',
  ),
  c(
    'TMES0402',
    'shared-output',
    'error',
    'Two tools write one output',
    'Two tools name the same output file or interface, or two paths that reach one file (through a symbolic link to a directory, or a hard link); one output would be lost. Give each tool its own output.',
  ),
  c(
    'TMES0403',
    'inline-same-port',
    'error',
    'Inline tap bridges a port to itself',
    'An inline tap bridges two different interfaces; with the same name on both sides it would loop traffic back.',
  ),
  c(
    'TMES0404',
    'tap-without-source',
    'error',
    'Tap with no source',
    'A tap needs a source (interface or capture files) or an inline pair.',
  ),
  c(
    'TMES0405',
    'duplicate-setting',
    'error',
    'Setting given twice',
    'A block sets the same thing twice (two outputs for a tool, two balance lines); only one can apply. Keep one.',
  ),
  c(
    'TMES0406',
    'output-is-input',
    'error',
    'Output is also a tap input',
    'A tool writes to a file or interface that a tap reads; traffic would feed back into the switch.',
  ),
  c(
    'TMES0407',
    'interface-reused',
    'error',
    'Interface used twice',
    'One interface is used by two taps, or as both a tap and a tool output. Each physical port has one role.',
  ),
  c(
    'TMES0408',
    'partial-rates',
    'warning',
    'Some tools of a group have no rate',
    "Balancing is weighted by rate; tools without a rate get the group's average weight and shaping cannot apply to them. Give every tool a rate.",
  ),
  c(
    'TMES0409',
    'shape-without-rate',
    'error',
    'Shaping without a rate',
    "shape conditions bursts down to each tool's rate, so every tool of a shaped group needs a rate.",
  ),
  c(
    'TMES0410',
    'repeated-target',
    'warning',
    'Name listed twice',
    'A rule names the same tap or group twice in one list; the second mention changes nothing. Remove it.',
  ),
  c(
    'TMES0411',
    'conflicting-actions',
    'error',
    'Conflicting group actions',
    'Two actions of a group contradict each other (for example two truncate lines with different lengths). Keep one.',
  ),
  c(
    'TMES0420',
    'source-interface-count',
    'error',
    'Interface source names no or several interfaces',
    'source interface "name" captures from exactly one interface. For several interfaces, declare one tap for each (a rule may take traffic from several taps).',
  ),
  c(
    'TMES0440',
    'pcap-link-types',
    'warning',
    'A pcap tool can receive several link types',
    "A pcap file holds one link type (its first packet's), and the taps that can send to this tool capture on different ones (read from their files' headers): packets of the others would be dropped (counted as link-type-mismatch). Write pcapng, which keeps each tap's link type, or send each link type to its own tool.",
  ),
  c(
    'TMES0441',
    'pcap-link-type-unknown',
    'info',
    'A pcap tool receives from taps whose link type is known only live',
    "The tool writes pcap, which holds one link type, and receives from interface or inline taps together with capture-file taps: an interface's link type is known only once it captures. If they differ, packets of all but the first link type are dropped, and tmesc run warns when it happens. Write pcapng to keep every link type.",
  ),
  c(
    'TMES0443',
    'link-type-actions',
    'warning',
    'A tap VLAN mark or a timestamp trailer on packets without an Ethernet header',
    "A tap's VLAN mark goes into the Ethernet header and a timestamp trailer after an Ethernet frame; the tap's capture files declare another link type (raw IP, Linux cooked, PPP...), read from their headers, and the group does not strip (strip puts packets on Ethernet). tmesc run delivers those packets unmarked or unstamped and counts them (not-ethernet). Strip the group, or mark another way (mark comment). Interface taps are not checked: their link type is known only once they capture.",
  ),
  c(
    'TMES0442',
    'precision-on-interface',
    'error',
    'Timestamp precision on an interface output',
    'precision us|ns chooses how a pcap or pcapng file stores timestamps; an interface sends packets as they are, with no timestamp. Remove it.',
  ),
  c(
    'TMES0460',
    'mask-fill-not-a-byte',
    'error',
    'Mask fill is not one byte',
    'Masking overwrites each byte of a match with the fill and keeps the packet length, so the fill must be one byte: an ASCII character ("*", "#", "x") or \\xHH. A character beyond \\xFF takes two or more bytes. Pick a one-byte fill.',
  ),
  c(
    'TMES0470',
    'burst-below-frame',
    'warning',
    "Shaping burst smaller than the group's full-size frames",
    "A shaped tool's bucket holds the burst, and a frame longer than the bucket can never find that many tokens: it leaves only when the bucket is full, above the tool's rate for that frame, or is dropped when it would have to wait (counted as larger-than-burst and buffer-full, and said on stderr). The full-size frame is a 1500-byte IP packet on Ethernet with one VLAN tag (1518 bytes, or the truncate frame length), with the tags the taps' marks push and what timestamp adds. Give a burst of at least that size.",
  ),
  c(
    'TMES0471',
    'shaping-too-slow',
    'error',
    'Shaping buffer takes more than an hour to drain',
    "A shaped tool's buffer holds the burst, and at the tool's rate a full buffer would take more than an hour to drain: packets would leave hours after they arrived, which is a mistyped rate or burst (kbps for Gbps, MB for KB) rather than a shaper, and tmesc run refuses it. Raise the rate or lower the burst so that burst * 8 / rate is at most 3600 seconds.",
  ),
  // ---- unused (05xx)
  c(
    'TMES0500',
    'unused-definition',
    'warning',
    'Definition never used',
    'A define is not referenced anywhere. Remove it, or use it; library files of definitions (files without a policy header) are exempt.',
  ),
  c(
    'TMES0501',
    'unused-tap',
    'warning',
    'Tap no rule uses',
    'No rule takes traffic from this tap (no from names it and no rule says from any), so its traffic goes nowhere.',
  ),
  c(
    'TMES0502',
    'unused-group',
    'warning',
    'Group no rule sends to',
    'No rule sends traffic to this group, so its tools receive nothing.',
  ),
  // ---- patterns (06xx)
  c(
    'TMES0600',
    'invalid-pattern',
    'error',
    'Invalid pattern',
    'The pattern does not parse as a JavaScript regular expression, or it has a flag tmesc does not take (only i and s). The message says what and where.',
  ),
  c(
    'TMES0601',
    'super-linear-pattern',
    'error',
    'Pattern may take super-linear time',
    'Backreferences and lookaround need a backtracking engine, whose time can explode on crafted payloads (ReDoS), and patterns run on every packet. tmesc runs every pattern as an automaton, in time linear in the payload, and an automaton cannot express these two. Rewrite the pattern without them: match the context itself, or spell out what the group matched. (Nested quantifiers such as (a+)+ are fine: the automaton runs them in linear time.)',
  ),
  c(
    'TMES0602',
    'empty-match-pattern',
    'error',
    'Pattern matches the empty string',
    'A pattern that can match nothing at all would match at every position of every payload. Make it match at least one byte.',
  ),
  c(
    'TMES0603',
    'pattern-too-long',
    'error',
    'Pattern too long',
    'A pattern may hold at most 4096 characters. Split a long list of alternatives over several rules or patterns.',
  ),
  c(
    'TMES0604',
    'pattern-too-large',
    'error',
    'Pattern compiles to too large an automaton',
    'The automaton holds one copy of a repeated part per count of a counted repetition, so a count may be at most 1000 and the whole automaton at most 5000 instructions: the time a pattern takes per payload byte grows with its size. Use smaller counts, or * and + where the exact count does not matter.',
  ),
  c(
    'TMES0605',
    'unsupported-pattern-syntax',
    'error',
    'Pattern syntax tmesc does not take',
    'Patterns match payload bytes. A class ([...]) holds single bytes, so a character above 0x7F in a class is refused (write it outside the class, where it stands for its UTF-8 bytes, or name bytes as \\xHH); Unicode properties, class set expressions and the m modifier need flags tmesc does not take; escapes that JavaScript reads as something other than they look (\\1 with no group 1 is an octal escape, \\q is q) are refused.',
  ),
  // ---- match graph analysis (07xx)
  c(
    'TMES0700',
    'rule-never-matches',
    'error',
    'Rule can never match',
    'No packet can satisfy this rule\'s filter on its taps (e.g. tcp and udp, ip6 and dst net 10.0.0.0/8, or a port on ARP), as tcpdump says "expression rejects all packets". Such a rule is almost always a mistake (a wrong protocol or address family), so it is an error: fix the filter or remove the rule.',
  ),
  c(
    'TMES0701',
    'redundant-rule',
    'warning',
    'Rule adds nothing',
    'Every packet this rule sends to its groups already goes there through other rules: the message names a minimal set of them, and each note one of those rules. Remove it, or change it if it was meant to do more. Of two identical rules only the later is reported.',
  ),
  c(
    'TMES0702',
    'drop-excludes-nothing',
    'warning',
    'Drop rule excludes nothing',
    'No packet that this drop rule matches would otherwise reach the groups it drops from. Remove it, or widen the rules it was meant to restrict.',
  ),
  c(
    'TMES0704',
    'analysis-skipped',
    'info',
    'Overlap analysis skipped',
    'The rules of the groups named overlap in too many distinct ways for the exact cross-rule analysis within its own budget, so rules that add nothing (TMES0701), rules whose packets are all dropped (TMES0705) and drop rules that exclude nothing (TMES0702) were not looked for there. Rules that can never match are still reported, every finding reported is exact, validation of everything else is complete, and the compiled graph is unaffected.',
  ),
  c(
    'TMES0705',
    'rule-always-excluded',
    'warning',
    'Rule delivers nothing to a group',
    'Drop rules exclude every packet this rule matches from the groups named (from all of its groups: it delivers nothing). The rule is counted as matching in run statistics but sends nothing there. Narrow the drop rules, or remove the rule (or the group from it).',
  ),
  c(
    'TMES0706',
    'compile-budget',
    'error',
    'Policy too large to compile',
    "The match graph would exceed the compiler's budget (memory, steps or nodes; docs/compiler.md lists them) while building the rules named, so the policy cannot be compiled or run. Usually a filter or a definition expands to far more tests than it seems (a definition used twice in itself, many payload or byte tests combined), or many rules combine independent conditions in one group. Simplify those rules, or split them over more groups.",
  ),
  c(
    'TMES0703',
    'optimizer-cap',
    'info',
    'Optimizer stopped at its iteration cap',
    'The match graph is correct but may not be minimal. Report the policy if this happens on a real policy.',
  ),
  // ---- limits (08xx)
  c(
    'TMES0800',
    'expansion-too-deep',
    'error',
    'Filter too deep with its definitions expanded',
    'With the filter definitions it uses expanded, a filter may nest at most 1024 levels; each definition used inside another adds the depth of its own filter. The diagnostic names the first definition past the limit. Definitions used side by side (a or b or c) do not add up; only nesting does.',
  ),
  // ---- compiling to OpenFlow: the ports map and what a switch can do (0840-0859, docs/openflow.md)
  c(
    'TMES0840',
    'ports-map-syntax',
    'error',
    'Ports map line not understood',
    'Each line of a ports map is a comment (#), `tap NAME port N`, `tool NAME port N`, `host NAME port N [vlans A-B]` or `bridge NAME`. The message says what was expected where. docs/openflow.md describes the format.',
  ),
  c(
    'TMES0841',
    'ports-map-unknown-name',
    'error',
    'Ports map names no such tap or tool',
    "A tap or tool of the ports map is not in the policy. Correct the name (the message suggests the closest one of the policy's), or remove the line.",
  ),
  c(
    'TMES0842',
    'ports-map-duplicate',
    'error',
    'Name or port mapped twice',
    'Each tap, tool and host has one port, and each switch port is one tap, tool or host: a tool port that also received a tap would loop traffic back into the broker. Remove one of the two lines (the note points at the other).',
  ),
  c(
    'TMES0843',
    'ports-map-bad-number',
    'error',
    'Port or VLAN out of range',
    'A switch port is a number from 1 to 4294967040 (0xffffff00, the last OpenFlow port); host VLANs are a range within 1-4094.',
  ),
  c(
    'TMES0844',
    'tool-without-port',
    'error',
    'A tool the switch feeds has no port',
    "The tool's group is delivered by the switch, so its tool needs a switch port. Add `tool NAME port N` to the ports map. (Tools of groups that stay on the host may have none: the host writes their output itself.)",
  ),
  c(
    'TMES0845',
    'tap-not-on-switch',
    'warning',
    'Tap not on this switch',
    "The ports map gives the tap no port, so the switch never sees its traffic and its rules do nothing there. Map it if it is cabled to this switch; a fabric's other switches can take other taps (one ports map each).",
  ),
  c(
    'TMES0846',
    'needs-host',
    'error',
    'The policy needs a host the ports map does not name',
    'Some of what the policy asks a switch cannot do (masking, replacing, timestamps, shaping, dedup, payload tests, tunnel internals...): those packets go to a host running tmesc. Add `host NAME port N` to the ports map for the port that host is cabled to. The message lists what needs it; `tmesc compile --emit openflow` prints the whole report once it compiles.',
  ),
  c(
    'TMES0847',
    'host-vlans-too-few',
    'error',
    'Too few VLANs for the host link',
    'Traffic to and from the host carries a VLAN tag that says which tap it came from and which group it is for. The range the host line gives is smaller than the policy needs; the message says how many. Widen it (`vlans 3000-3999`).',
  ),
  c(
    'TMES0848',
    'no-host-for-punts',
    'warning',
    'Packets the switch cannot decide are dropped',
    "Some packets hide from OpenFlow what the policy tests (a label stack, PPPoE, a second VLAN tag hide the IP header; a group's strip needs what the switch cannot remove). With a host in the ports map the switch hands those to it, and tmesc there decides them; without one the switch drops them, counted in the DECIDE table's flow (ovs-ofctl dump-flows). Add `host NAME port N`, or accept the drops where such traffic does not occur.",
  ),
  // ---- what this version does not do, and checks that did not run (09xx)
  c(
    'TMES0900',
    'not-run-yet',
    'warning',
    'Action tmesc run does not perform yet',
    'The policy is valid and compiles, but tmesc run of this version does not perform this group action, and refuses to run the policy rather than deliver packets the policy says must be changed. README.md lists what run does not do yet.',
  ),
  c(
    'TMES0901',
    'findings-held-back',
    'info',
    'Findings held back while the policy has errors',
    'Some findings are not reliable while statements are lost to syntax errors or rules have errors: a drop rule seems to exclude nothing when the rule it restricts has an error, a tap seems unused when the rule that uses it was lost. Those findings are held back, and this note counts them by code, so that fixing the errors brings no unannounced second round. Every other check runs around the errors. Fix the errors and validate again.',
  ),
  // ---- lint configuration, suppressions and baselines (095x)
  c(
    'TMES0950',
    'invalid-config',
    'error',
    'Lint configuration is not valid',
    'A .tmesc.json or tmesc.config.json (or the file --config names) does not follow schemas/config-1.json, names a code or name tmesc does not know, or lowers a code whose severity is error (those make a policy unrunnable and cannot be turned off or lowered). The message names the member at fault by its JSON path. Nothing is validated until the configuration is fixed (exit 2).',
  ),
  c(
    'TMES0951',
    'suppression-without-reason',
    'warning',
    'Suppression gives no reason',
    'A # tmesc-ignore comment must say why the finding is accepted, after a colon: # tmesc-ignore TMES0500: kept for the lab policy. The suppression still silences the finding; add the reason, so that the next reader knows whether it still holds.',
  ),
  c(
    'TMES0952',
    'unused-suppression',
    'warning',
    'Suppression silences nothing',
    'A # tmesc-ignore comment names a code that is not reported in the statement it silences (the one that ends on its line, or for a comment on a line of its own, the one that starts on the next line): the finding was fixed, moved, or its severity turned off. Remove the code from the comment, or the comment (tmesc validate --fix does).',
  ),
  c(
    'TMES0953',
    'stale-baseline-entry',
    'warning',
    'Baseline entry matches no finding',
    'An entry of the baseline file (--baseline) is no longer found: the finding was fixed, or its statement was edited. Rewrite the baseline with tmesc validate --write-baseline FILE, so that it does not hide the same finding if it comes back.',
  ),
  c(
    'TMES0954',
    'invalid-suppression',
    'warning',
    'Suppression names no code it can silence',
    'A # tmesc-ignore comment names a code or name tmesc does not know, names none, or names a code whose severity is error: errors make a policy unrunnable, so they cannot be suppressed (nor turned off, nor put in a baseline). Correct the code, or fix the error.',
  ),
  c(
    'TMES0955',
    'invalid-baseline',
    'error',
    'Baseline file is not valid',
    "The file --baseline (or the configuration's baseline) names does not follow schemas/baseline-1.json. The message names the member at fault by its JSON path. Write it again with tmesc validate --write-baseline FILE.",
  ),
];

/** Every code of the catalogue: `bag.add` takes only these, so a mistyped code does not compile. */
export type Code = (typeof LIST)[number]['code'];

/** By code; keyed by any string, since lookups come from outside too (SARIF rules, JSON reports). */
export const CODES: ReadonlyMap<string, CodeInfo> = new Map(LIST.map((x) => [x.code, x]));

export function isCode(s: string): s is Code {
  return CODES.has(s);
}

export function codeInfo(code: Code): CodeInfo {
  const info = CODES.get(code);
  if (!info) throw new Error(`unregistered diagnostic code ${code}`);
  return info;
}
