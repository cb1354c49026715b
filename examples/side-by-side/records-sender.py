"""
Sends records to a receiver over TCP, each in two parts: a fixed struct
record '!IHd8s' (sequence number, kind, value, name -- 22 bytes, network
byte order), then a pickle framed by its length as '>I'. The receiver may
be Python (records-receiver.py) or stdnet's (records-receiver.ts).

Run: python3 examples/side-by-side/records-sender.py [host [port]]
     (defaults: localhost 50008; RECORDS_PORT also works)
"""
import hashlib, os, pickle, socket, struct, sys

argv = sys.argv[1:]
host = argv[0] if len(argv) > 0 else os.environ.get('RECORDS_HOST', 'localhost')
port = int(argv[1] if len(argv) > 1 else os.environ.get('RECORDS_PORT', 50008))

records = [
    (1, 7, 3.25, b'alpha', {'id': 1, 'name': 'alpha', 'pos': (1.5, -2.25), 'tags': ['a', 'b'], 'ok': True}),
    (2, 8, 2.0, b'beta', {'id': 2, 'name': 'beta', 'blob': b'\x00\x01\xff', 'big': 2 ** 70, 'none': None}),
    (3, 9, -0.5, b'gamma', ['a list', ('a', 'tuple'), {'nested': {'dict': 3.75}}, 'héllo wörld ✓']),
]

sock = socket.create_connection((host, port), 10)
digest = hashlib.sha256()
sent = 0
for seq, kind, value, name, payload in records:
    blob = pickle.dumps(payload)                # pickle protocol 4, Python 3.11's default
    frame = struct.pack('!IHd8s', seq, kind, value, name) + struct.pack('>I', len(blob)) + blob
    sock.sendall(frame)
    digest.update(frame)
    sent += len(frame)
sock.close()                                    # the receiver sees the end of the stream
print(f"Sent {len(records)} records, {sent} bytes, sha256 {digest.hexdigest()[:16]}")
