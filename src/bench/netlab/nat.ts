// The three NATs of the lab as nftables rules for a router namespace (LAN side `lan`, public side
// `wan`). Linux's conntrack NAT keeps a flow's source port when it can, so a plain masquerade maps
// one inside port to one outside port whatever the destination (endpoint-independent mapping) and
// lets in only replies from the exact address and port a flow went to: a port-restricted cone.
//   full-cone-like:   that, plus every inbound UDP packet to an outside port forwarded to the home
//                     (endpoint-independent filtering): anyone who learns the mapping gets through.
//   port-restricted:  the plain masquerade.
//   symmetric:        a fresh random outside port for every new destination (fully-random), so
//                     the port a STUN server sees is not the one another peer would have to use;
//                     only a relay (TURN) or a peer that accepts anything (a public host or a
//                     full-cone NAT) gets through.
export type NatKind = 'full-cone' | 'port-restricted' | 'symmetric';

export const NAT_KINDS: readonly NatKind[] = ['full-cone', 'port-restricted', 'symmetric'];

/** The ruleset for a router whose home host is lanAddr. */
export function natRules(kind: NatKind, lanAddr: string): string {
  const masquerade = kind === 'symmetric' ? 'masquerade fully-random' : 'masquerade';
  const forwardIn = kind === 'full-cone' ? `iifname "wan" udp dport 1024-65535 dnat to ${lanAddr}` : '';
  return `
table ip cumulus_lab {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    ${forwardIn}
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" ${masquerade}
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "lan" oifname "wan" accept
    ${kind === 'full-cone' ? 'iifname "wan" oifname "lan" ct status dnat accept' : ''}
  }
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "wan" udp dport 1024-65535 drop
  }
}
`;
}
