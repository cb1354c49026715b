"""
Receives the records of records-sender.py or records-sender.ts on one TCP
connection: a fixed struct record '!IHd8s', then a pickle framed by its
length as '>I', until the sender closes. Prints each with repr().

Run: python3 examples/side-by-side/records-receiver.py [host [port]]
     (defaults: localhost 50008; RECORDS_PORT also works; port 0 picks a free one)
"""
import os, pickle, socket, struct, sys

argv = sys.argv[1:]
host = argv[0] if len(argv) > 0 else os.environ.get('RECORDS_HOST', 'localhost')
port = int(argv[1] if len(argv) > 1 else os.environ.get('RECORDS_PORT', 50008))

RECORD = struct.Struct('!IHd8s')                # seq, kind, value, name: 22 bytes
LENGTH = struct.Struct('>I')                    # the length of the pickle that follows

server = socket.create_server((host, port))
print('Receiver listening on port', server.getsockname()[1], flush=True)
conn, address = server.accept()
print('Connected by', address)
f = conn.makefile('rb')                         # read(n) waits for n bytes, or the end of the stream
count = 0
while True:
    head = f.read(RECORD.size)
    if not head:
        break
    record = RECORD.unpack(head)
    (size,) = LENGTH.unpack(f.read(LENGTH.size))
    payload = pickle.loads(f.read(size))
    count += 1
    print('record', record)
    print('payload', repr(payload))
f.close()
conn.close()
server.close()
print('End of stream after', count, 'records')
