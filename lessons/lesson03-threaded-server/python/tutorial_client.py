# The classic tutorials' client for the tcplink server, as they write it: bare words,
# no newline, one recv(1024) per reply. Only the address comes from the command line.
#     python3 tutorial_client.py 127.0.0.1 9999
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((host, port))
print(s.recv(1024).decode('utf-8'))
for data in [b'Michael', b'Tracy', b'Sarah']:
    s.send(data)
    print(s.recv(1024).decode('utf-8'))
s.send(b'exit')
s.close()
