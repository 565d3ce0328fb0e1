/** `lvscope lab --help`. */
import { GUE_PORT } from './options.js';
import { SYN_FLOOD_PPS } from './syn-flood.js';

export const LAB_HELP = `Usage:
  lvscope lab capture dr|nat|tun -w OUT.pcap [options]   build, capture, tear down
  lvscope lab capture --preset seed-dr|seed-nat -w OUT.pcap [--truth FILE]
  lvscope lab up dr|nat|tun [options]                     build a lab and keep it up
  lvscope lab run [LAB] -w OUT.pcap [--requests N] [--capture-at P] [--truth FILE]
  lvscope lab down [LAB | --all]                          delete a lab's namespaces
  lvscope lab list                                        labs that are up

Builds a real LVS cluster in network namespaces (clients, a firewall doing DNAT, the director,
real servers running a small web server, a router in front of TUN real servers; a switched LAN)
and captures it with tcpdump. Nothing is connected to the host's own network.
The director is the kernel's own IPVS (ipvsadm), found in this order:
  host-ipvs  this host's kernel has IPVS (/proc/net/ip_vs, or modprobe ip_vs works)
  microvm    otherwise: Debian's kernel image (downloaded once with apt-get download, about
             70 MB, cached under ~/.cache/lvscope) boots under QEMU (TCG) with no network
             device; the lab runs inside it and its files come back here (lab capture only)
  --emulate  only when asked: nftables and policy routing imitate IPVS (rr, wrr, sh); labelled
             EMULATION in the output and the truth, never the kernel's behaviour
The output and the truth file name the backend that ran. FULLNAT is not in mainline Linux:
no backend can build it. Real servers are added last-first, so the kernel's list is rs1,
rs2, … and rr starts at rs1 (the seed-nat preset adds them in the seed's order). Needs root.

Options:
  -w, --write FILE|DIR      the capture to write (pcap, nanosecond timestamps); with several
                            capture points a directory with one POINT.pcap each
      --real-servers N      real servers, 1..16 (default 2)
      --scheduler NAME      rr wrr lc wlc sed nq fo ovf sh dh lblc lblcr mh (twos needs Linux
                            6.2+; the microVM's 6.1 lacks it) (default rr; wrr with --weights)
      --weights W1,W2,…     one weight per real server, rs1 first
      --clients N           client namespaces, 1..8 (default 1)
      --requests N          HTTP requests, one TCP connection each (default 4)
      --capture-at P1,P2,…  firewall (its LAN interface, DR/TUN default), director (its LAN
                            interface), any (every director interface, Linux cooked v2; NAT
                            default), rs1; HOST (every interface of it) or HOST:IFACE with
                            HOST one of c0 c1 … fw dir rs1 rs2 … rtr (or a name: WEB2);
                            all (every interface of every host)
      --lan switch|hub      switch (default): the LAN bridge learns MACs; hub: it floods
      --tun-type TYPE       TUN encapsulation: ipip (default), gue (UDP ${GUE_PORT}) or gre
      --persistent SECONDS  persistence (ipvsadm -p)
      --netmask MASK        persistence per client network (ipvsadm -M), e.g. 255.255.255.254
                            puts clients .100 and .101 on one template (needs --persistent)
      --sched-flags F1,F2   scheduler flags (ipvsadm -b): mh-port, mh-fallback (mh),
                            sh-port, sh-fallback (sh)
      --fwmark MARK         a firewall-mark service (ipvsadm -f MARK; nftables marks VIP:80)
      --masquerade          NAT: the director also source-NATs to its own address towards the
                            real servers (vs.conntrack=1, nftables masquerade), as kube-proxy's
                            IPVS mode does
      --hold                keep every connection open until the last request is answered
                            (so lc, wlc, sed and nq pick differently from rr)
      --flap rsN:A[-B]      take rsN out (ipvsadm -d) after request A, add it back after B (or
                            never); with --hold every held connection then sends one more GET
      --ha                  two directors (dir, dir2) running keepalived 2: VRRP (VRID 51,
                            advert 1 s, dir priority 150 MASTER, dir2 100 BACKUP) for the VIP,
                            the virtual server and a health check per real server (DR only)
      --ha-failover A-B     pull dir's LAN cable (its switch port down) after request A, plug it
                            back in after request B (dir preempts); with --hold every held
                            connection sends one more GET after each switch (implies --ha)
      --sync on|off         keepalived's lvs_sync_daemon: the master's IPVS sync daemon
                            multicasts its connections to the backup's (UDP 8848, 224.0.0.81)
      --rs-fail rsN:A[-B]   rsN's web server dies after request A; the health checks remove it;
                            with B it starts again after request B and they add it back
      --health-check KIND   tcp (TCP_CHECK, default) or http (HTTP_GET / expecting 200)
      --emulate             the nftables emulation instead of the kernel's IPVS
      --backend B           host-ipvs or microvm (default: host-ipvs when the kernel has
                            IPVS, else microvm)
      --kernel-deb FILE     the microVM boots this linux-image .deb instead of downloading
      --vm-timeout SECONDS  kill the microVM after this long (default 300 + 2 per request)
      --udp                 a UDP service instead of HTTP: DNS on port 53 (each real server
                            answers an A query with its own address; one query per request)
      --one-packet          one-packet scheduling (ipvsadm -o; UDP): every datagram scheduled
      --same-port           every request from one client port (a resolver's fixed port, or
                            a TCP port reused at once)
      --timeouts T,F,U      ipvsadm --set T F U: TCP established, TCP FIN_WAIT, UDP timeouts in
                            seconds (short ones make expiry visible in seconds)
      --idle SECONDS        each connection: one request, SECONDS of silence, a second request
      --quiesce rsN:A       set rsN's weight to 0 (ipvsadm -e … -w 0) after request A
      --post BYTES          each request uploads BYTES (HTTP POST: full-size segments with DF,
                            one frame each) instead of a GET: in TUN the director's IPIP
                            header makes them 20 bytes too big for the LAN
      --syn-flood N         before the requests, N SYNs (${SYN_FLOOD_PPS}/s, tcpreplay in c0) from made-up
                            sources 172.16.200.1, .2, … that never complete the handshake: the
                            director holds N SYN_RECV entries; the truth records ipvsadm -Lnc
                            and the drop defences (amemthresh, drop_entry, drop_packet, secure_tcp)
      --misconfig KIND      rs-arp (a DR real server answers ARP for the VIP), nat-gateway
                            (a NAT real server's default route bypasses the director),
                            dr-reply-via-director, vip-primary (the VIP is the director's
                            primary address); on rs1: rs-down (nothing listens), rs-firewall
                            (its firewall drops the service's packets), rs-reject (its
                            firewall rejects them: ICMP port unreachable), dr-vip-missing
                            (no VIP on its lo), tun-rp-filter (rp_filter=1 drops the
                            decapsulated packets)
      --preset NAME         seed-dr: the DR walkthrough of seed 000 (client 172.16.0.100,
                            firewall 172.16.23.80 → VIP 192.168.23.100, DIP 192.168.23.99,
                            WEB1 .80, WEB2 .81, rr, 4 requests, capture at the firewall);
                            seed-nat: its NAT lab (VIP 172.16.23.80, DIP 192.168.23.1,
                            192.168.23.80:8080 and 192.168.23.81:80)
      --service SPEC        one virtual service (repeatable: several on one director), SPEC =
                            PROTO:PORT[,vipN][,SCHED][,p=SECONDS],rsN[=WEIGHT][/dr|tun|nat],…
                            vip1 is the lab's VIP, vip2… further ones (DR/TUN: 192.168.23.101…,
                            reached at 172.16.23.81…; NAT: 172.16.23.81…); each rsN its weight
                            and method (ipvsadm -a -g/-i/-m: a DR lab may mix dr and tun real
                            servers; a NAT real server on TCP port P < 1000 listens on 8000+P);
                            requests go to the services in turn; replaces --scheduler,
                            --weights, --persistent and --udp
      --truth FILE          write what the lab really was (analyze --format json schema)
      --all                 lab down: every lab that is up
      --quiet               no progress on stderr

Examples:
  lvscope lab capture --preset seed-dr -w seed-dr.pcap --truth seed-dr.truth.json
  lvscope lab capture dr --real-servers 3 --scheduler wrr --weights 1,2,3 --requests 12 -w dr.pcap
  lvscope lab capture nat --capture-at any -w nat.pcap
  lvscope lab capture dr --scheduler mh --sched-flags mh-port --clients 4 --requests 16 -w mh.pcap
  lvscope lab capture dr --persistent 300 --netmask 255.255.255.254 --clients 4 --requests 16 -w pnet.pcap
  lvscope lab capture dr --service tcp:80,rr,rs1,rs2 --service tcp:443,wlc,rs2=3,rs3 \\
      --requests 8 --capture-at all -w two-services/ --truth two-services/truth.json
  lvscope lab capture dr --service tcp:80,wrr,rs1=2/dr,rs2/tun --requests 6 -w mixed.pcap
  lvscope lab capture dr --misconfig rs-arp -w arp.pcap
  lvscope lab capture tun --tun-type gue --capture-at dir,rtr,rs1 -w tun-gue/ --truth tun.json
  lvscope lab capture dr --scheduler wlc --hold --clients 3 --requests 9 -w wlc.pcap
  lvscope lab capture dr --udp --requests 6 -w dns.pcap
  lvscope lab capture dr --idle 8 --timeouts 5,5,5 --requests 1 -w idle.pcap
  lvscope lab capture tun --post 20000 --requests 2 --capture-at firewall,dir:eth0 -w mtu/
  lvscope lab capture dr --syn-flood 300 --requests 4 -w flood.pcap --truth flood.json
  lvscope lab capture dr --ha-failover 2-4 --sync on --hold --requests 6 \\
      --capture-at fw:eth1,dir:eth0,dir2:eth0 -w failover/ --truth failover.json
  lvscope lab up dr && lvscope lab run -w one.pcap && lvscope lab down`;
