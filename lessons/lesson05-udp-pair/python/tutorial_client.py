# The classic tutorials' UDP client: sendto each name, print each reply.
# Only the address comes from the command line:  python3 tutorial_client.py 127.0.0.1 9999
import socket
import sys

addr = (sys.argv[1], int(sys.argv[2]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)  # not in the tutorial: without it a lost datagram hangs the client forever
for data in [b'Michael', b'Tracy', b'Sarah']:
    s.sendto(data, addr)
    print(s.recv(1024).decode('utf-8'))
s.close()
