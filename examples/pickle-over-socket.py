"""The Python side of examples/pickle-over-socket.ts (and of
test/interop/pickle-socket.test.ts): connects to the stdnet program and
exchanges pickled objects with it, first through socket.makefile files,
then as length-prefixed frames (struct.pack('>I', len) + pickle bytes).

Usage: python3 pickle-over-socket.py PORT
"""
import pickle
import socket
import struct
import sys


def recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("peer closed")
        data += chunk
    return data


def main(port):
    with socket.create_connection(("127.0.0.1", port)) as sock:
        # 1. files: pickle.load / pickle.dump on sock.makefile('rwb')
        f = sock.makefile("rwb")
        while True:
            msg = pickle.load(f)
            if msg is None:
                break
            reply = {"from": "python", "got": msg, "type": type(msg["value"]).__name__, "sum": msg.get("sum")}
            if isinstance(msg["value"], list) and all(isinstance(x, int) for x in msg["value"]):
                reply["sum"] = sum(msg["value"])
            pickle.dump(reply, f, protocol=msg["protocol"])
            f.flush()
        # 2. frames: 4-byte big-endian length, then the pickle
        while True:
            (n,) = struct.unpack(">I", recv_exactly(sock, 4))
            msg = pickle.loads(recv_exactly(sock, n))
            if msg is None:
                break
            data = pickle.dumps({"from": "python", "got": msg, "type": type(msg["value"]).__name__}, protocol=msg["protocol"])
            sock.sendall(struct.pack(">I", len(data)) + data)
        print("python: done", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
