/** `lvscope help filter`: the capture-filter subset decode, analyze and validate understand. */
export const FILTER_HELP = `Capture filters: lvscope decode|analyze|validate [options] FILE… [FILTER]

FILTER is tcpdump's filter syntax (pcap-filter(7)), as one argument or several words after
the options. A frame is kept exactly when tcpdump would keep it: the outer headers of a
tunnelled frame are what is matched, VLAN-tagged frames only after 'vlan', and a read past the
captured bytes rejects the frame. Kept frames keep their frame number in the capture.

  host ADDR, net NET[/LEN] | net NET mask MASK, port N, portrange A-B
      with src, dst, src or dst, src and dst before them; IPv4 or IPv6 addresses
      ('host' matches ARP sender and target addresses too, as in tcpdump)
  ether host|src|dst MAC, ether broadcast, ether multicast, broadcast, multicast
  ip ip6 arp rarp tcp udp sctp icmp icmp6 igmp gre, vlan [ID]
  tcp|udp|sctp [src|dst] port|portrange …, ip|ip6|arp [src|dst] host|net …
  ip proto N, ip6 proto N, proto N, ether proto N   (N a number or a name: tcp, udp, …)
  less N, greater N                                  (frame length on the wire)
  PROTO[OFFSET], PROTO[OFFSET:SIZE] with PROTO ether ip ip6 arp tcp udp icmp icmp6 sctp igmp,
      len and numbers, + - * / % & | ^ << >>, compared with = == != < <= > >=;
      names: tcpflags tcp-fin tcp-syn tcp-rst tcp-push tcp-ack tcp-urg tcp-ece tcp-cwr,
      icmptype icmpcode icmp-echo icmp-echoreply icmp-unreach icmp-redirect icmp-timxceed …
  and &&, or ||, not !, ( ); 'host A or B' repeats the last qualifiers

Not supported: host names and service names (lvscope never resolves names), gateway,
protochain, ip broadcast, mpls, pppoe, geneve, and the wireless and ISO keywords.
An error names the column of the word it could not read.

Examples:
  lvscope decode -r dr.pcap 'tcp port 80 and tcp[tcpflags] & tcp-syn != 0'
  lvscope analyze director.pcap host 192.168.23.100 and not arp
  lvscope decode -r big.pcap.gz -w vip.pcap 'vlan and dst net 10.1.0.0/16'`;
