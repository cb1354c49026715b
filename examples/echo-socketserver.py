"""
The classic echo service written with socketserver: each client is handled
in its own thread by EchoHandler, which sends back every chunk it receives
prefixed with 'Echo=>' until the client closes. echo-socketserver.ts beside
this file is the same server with stdnet/socketserver; echo-client.py (or
echo-client.ts) talks to either.

Run: python3 echo-socketserver.py        (ECHO_PORT overrides 50007; 0 picks a free port)
"""
import os
import socketserver

myHost = ''                                        # '' = all available interfaces on host
myPort = int(os.environ.get('ECHO_PORT', 50007))   # listen on a non-reserved port number


class EchoHandler(socketserver.BaseRequestHandler):
    def handle(self):                              # called once per client connection
        print('Server connected by', self.client_address, flush=True)
        while True:
            data = self.request.recv(1024)         # read next chunk on client socket
            if not data: break                     # until eof when socket closed
            self.request.sendall(b'Echo=>' + data) # send a reply to the client


class EchoServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True                     # restart at once on the same port
    daemon_threads = True                          # do not wait for clients at exit


if __name__ == '__main__':
    with EchoServer((myHost, myPort), EchoHandler) as server:
        print('Serving on port', server.server_address[1], flush=True)
        server.serve_forever()                     # until the process is killed
