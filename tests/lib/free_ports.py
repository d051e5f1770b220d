"""Prints a port P such that P .. P+N-1 (N = argv[1], default 1) are all free on 127.0.0.1 now
(each one bound and released), chosen at random in 20000..59999: tests that start several
servers on consecutive ports call it instead of guessing."""
import random
import socket
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1
for _ in range(200):
    base = random.randint(20000, 60000 - n)
    socks = []
    try:
        for p in range(base, base + n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", p))
            socks.append(s)
    except OSError:
        continue
    finally:
        for s in socks:
            s.close()
    if len(socks) == n:
        print(base)
        sys.exit(0)
sys.exit("free_ports.py: no free range found")
