# t/lib/dnsone.py ADDR NAME: a DNS server on ADDR:53 (UDP) that knows one
# name, NAME IN A 127.0.0.1; NXDOMAIN for any other name, no records for
# other types of NAME. Prints "up" once bound; exits after 120 s without
# a query. For t/octo-static.t: a resolver for a root with only
# /etc/resolv.conf, on a loopback address.
import socket
import struct
import sys

addr, name = sys.argv[1], sys.argv[2].lower().encode()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 53))
s.settimeout(120)
print("up", flush=True)
while True:
    try:
        q, peer = s.recvfrom(512)
    except socket.timeout:
        sys.exit(0)
    if len(q) < 17:
        continue
    qid = struct.unpack(">H", q[:2])[0]
    i, labels = 12, []
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]])
        i += 1 + q[i]
    if i + 5 > len(q):
        continue
    qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
    question = q[12:i + 5]
    known = b".".join(labels).lower() == name
    ans = b""
    if known and qtype == 1:
        ans = (b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) +
               socket.inet_aton("127.0.0.1"))
    hdr = struct.pack(">HHHHHH", qid, 0x8180 | (0 if known else 3), 1,
                      1 if ans else 0, 0, 0)
    s.sendto(hdr + question + ans, peer)
