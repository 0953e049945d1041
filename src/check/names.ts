/**
 * Names a filter accepts in place of numbers, as tcpdump users type them.
 * Service names follow IANA's registry (the subset pcap users commonly use);
 * a policy can always define its own with `define ports`.
 */
export const SERVICES: Record<string, number> = {
  'ftp-data': 20, ftp: 21, ssh: 22, telnet: 23, smtp: 25, domain: 53, dns: 53, bootps: 67, bootpc: 68, tftp: 69,
  http: 80, www: 80, kerberos: 88, pop3: 110, sunrpc: 111, ntp: 123, 'netbios-ns': 137, 'netbios-dgm': 138,
  'netbios-ssn': 139, imap: 143, snmp: 161, 'snmp-trap': 162, bgp: 179, ldap: 389, https: 443, 'microsoft-ds': 445,
  syslog: 514, submission: 587, ldaps: 636, imaps: 993, pop3s: 995, openvpn: 1194, l2tp: 1701, radius: 1812,
  'radius-acct': 1813, nfs: 2049, gtpu: 2152, 'gtp-c': 2123, mysql: 3306, rdp: 3389, teredo: 3544, sip: 5060,
  sips: 5061, postgresql: 5432, vxlan: 4789, geneve: 6081, 'http-alt': 8080, rsync: 873,
};

export const IP_PROTOCOLS: Record<string, number> = {
  icmp: 1, igmp: 2, ipip: 4, tcp: 6, egp: 8, udp: 17, ipv6: 41, rsvp: 46, gre: 47, esp: 50, ah: 51, icmp6: 58,
  eigrp: 88, ospf: 89, pim: 103, vrrp: 112, l2tp: 115, sctp: 132,
};

export const ETHER_TYPES: Record<string, number> = { ip: 0x0800, ip6: 0x86dd, arp: 0x0806, rarp: 0x8035, mpls: 0x8847, pppoed: 0x8863, pppoes: 0x8864, lldp: 0x88cc, vlan: 0x8100 };

export const TCP_FLAGS: Record<string, number> = { fin: 1, syn: 2, rst: 4, psh: 8, push: 8, ack: 16, urg: 32, ece: 64, cwr: 128 };

export const ICMP_TYPES: Record<string, number> = {
  'echo-reply': 0, echoreply: 0, unreachable: 3, 'destination-unreachable': 3, 'source-quench': 4, redirect: 5,
  'echo-request': 8, echo: 8, 'router-advertisement': 9, 'router-solicitation': 10, 'time-exceeded': 11,
  'parameter-problem': 12, 'timestamp-request': 13, 'timestamp-reply': 14,
};
export const ICMP6_TYPES: Record<string, number> = {
  unreachable: 1, 'destination-unreachable': 1, 'packet-too-big': 2, 'time-exceeded': 3, 'parameter-problem': 4,
  'echo-request': 128, echo: 128, 'echo-reply': 129, 'router-solicitation': 133, 'router-advertisement': 134,
  'neighbor-solicitation': 135, 'neighbor-advertisement': 136, redirect: 137,
};

/** pcap-filter's named constants for byte-offset expressions (tcp[tcpflags] & tcp-syn != 0). */
export const PCAP_CONSTANTS: Record<string, number> = {
  tcpflags: 13, 'tcp-fin': 1, 'tcp-syn': 2, 'tcp-rst': 4, 'tcp-push': 8, 'tcp-ack': 16, 'tcp-urg': 32, 'tcp-ece': 64, 'tcp-cwr': 128,
  icmptype: 0, icmpcode: 1, 'icmp-echoreply': 0, 'icmp-unreach': 3, 'icmp-sourcequench': 4, 'icmp-redirect': 5,
  'icmp-echo': 8, 'icmp-routeradvert': 9, 'icmp-routersolicit': 10, 'icmp-timxceed': 11, 'icmp-paramprob': 12,
  'icmp-tstamp': 13, 'icmp-tstampreply': 14, 'icmp-ireq': 15, 'icmp-ireqreply': 16, 'icmp-maskreq': 17, 'icmp-maskreply': 18,
  icmp6type: 0, icmp6code: 1, 'icmp6-echo': 128, 'icmp6-echoreply': 129, 'icmp6-neighborsolicit': 135, 'icmp6-neighboradvert': 136,
};

/** Fields a relation may name directly: `ttl < 5`, `dscp == 46`. */
export const RELATION_FIELDS: Record<string, string> = { ttl: 'ttl', hoplimit: 'ttl', dscp: 'dscp' };

export const TUNNEL_LABELS: Record<string, { label: string[]; bits: number }> = {
  gre: { label: ['key'], bits: 32 },
  pptp: { label: ['call', 'call-id'], bits: 16 },
  erspan: { label: ['session', 'id'], bits: 10 },
  gtp: { label: ['teid'], bits: 32 },
  l2tp: { label: ['session'], bits: 32 },
  vxlan: { label: ['vni'], bits: 24 },
  geneve: { label: ['vni'], bits: 24 },
  ipip: { label: [], bits: 0 },
  teredo: { label: [], bits: 0 },
  '6in4': { label: [], bits: 0 },
  '6to4': { label: [], bits: 0 },
  tunnel: { label: ['id'], bits: 32 },
};

export const STRIP_TARGETS = ['vlan', 'mpls', 'pppoe', 'gre', 'pptp', 'erspan', 'gtp', 'l2tp', 'vxlan', 'geneve', 'ipip', '6in4', '6to4', 'teredo', 'tunnels', 'all'];
export const BUILTIN_MASKS = ['card-number', 'credentials'];
