# Echo server program
# The socket documentation's first example, in Python 3. One change: HOST
# and PORT may be given on the command line (tests pass an ephemeral port).
import socket
import sys

HOST = ''                 # Symbolic name meaning all available interfaces
PORT = 50007              # Arbitrary non-privileged port
if len(sys.argv) > 2: HOST, PORT = sys.argv[1], int(sys.argv[2])  # capsock: tests
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.bind((HOST, PORT))
    s.listen(1)
    conn, addr = s.accept()
    with conn:
        print('Connected by', addr)
        while True:
            data = conn.recv(1024)
            if not data: break
            conn.sendall(data)
