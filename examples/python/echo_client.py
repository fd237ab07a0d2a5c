# Echo client program
# The socket documentation's second example, in Python 3. One change: HOST
# and PORT may be given on the command line (tests pass an ephemeral port).
import socket
import sys

HOST = 'daring.cwi.nl'    # The remote host
PORT = 50007              # The same port as used by the server
if len(sys.argv) > 2: HOST, PORT = sys.argv[1], int(sys.argv[2])  # capsock: tests
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.connect((HOST, PORT))
    s.sendall(b'Hello, world')
    data = s.recv(1024)
print('Received', repr(data))
