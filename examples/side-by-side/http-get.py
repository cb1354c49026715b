"""
One HTTP GET done twice: by hand over the socket module -- typing the
request and reading the status line, the headers and the body ourselves --
and through the high-level modules, http.client and urllib.request. Each way
prints the same summary line, so a reader sees they agree.

Run: python3 examples/side-by-side/http-get.py [host [port [path ...]]]
     (defaults: localhost 8000 /; HTTP_HOST, HTTP_PORT, HTTP_PATH also work)
"""
import hashlib, http.client, os, socket, sys, urllib.error, urllib.request

argv = sys.argv[1:]
host = argv[0] if len(argv) > 0 else os.environ.get('HTTP_HOST', 'localhost')
port = int(argv[1] if len(argv) > 1 else os.environ.get('HTTP_PORT', 8000))
paths = argv[2:] if len(argv) > 2 else [os.environ.get('HTTP_PATH', '/')]

def summary(way, status, reason, ctype, body):
    digest = hashlib.sha256(body).hexdigest()
    return f"{way + ':':<17} {status} {reason}, Content-Type {ctype!r}, {len(body)} bytes, sha256 {digest[:16]}"

# 1. By hand: an HTTP/1.1 request is a few lines of text ending with an empty line.
def by_hand(path):
    sock = socket.create_connection((host, port), 10)
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
    sock.sendall(request.encode('latin-1'))
    f = sock.makefile('rb')                     # a file over the socket: readline() and read(n)
    status_line = f.readline().decode('latin-1').rstrip()   # "HTTP/1.1 200 OK"
    _, status, reason = (status_line.split(' ', 2) + [''])[:3]
    headers = {}
    while True:
        line = f.readline().decode('latin-1')
        if line in ('\r\n', '\n', ''):          # an empty line ends the headers
            break
        name, _, value = line.partition(':')
        headers[name.strip().lower()] = value.strip()
    if headers.get('transfer-encoding', '').lower() == 'chunked':
        chunks = []                             # each chunk: its size in hex, CRLF, the bytes, CRLF; size 0 ends
        while True:
            size = int(f.readline().decode('latin-1').split(';')[0], 16)
            if size == 0:
                break
            chunks.append(f.read(size))
            f.readline()
        body = b''.join(chunks)
    elif 'content-length' in headers:
        body = f.read(int(headers['content-length']))
    else:
        body = f.read()                         # no length given: the body runs until the server closes
    f.close()
    sock.close()
    return summary('by hand (socket)', int(status), reason, headers.get('content-type'), body)

# 2. http.client: the same request, the protocol done for us.
def with_http_client(path):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request('GET', path)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return summary('http.client', resp.status, resp.reason, resp.getheader('Content-Type'), body)

# 3. urllib.request: one call with a URL; an HTTP error status is raised, and is also a response.
def with_urlopen(path):
    try:
        resp = urllib.request.urlopen(f"http://{host}:{port}{path}", None, timeout=10)
        return summary('urllib.request', resp.status, resp.reason, resp.headers.get('Content-Type'), resp.read())
    except urllib.error.HTTPError as e:
        return summary('urllib.request', e.status, e.reason, e.headers.get('Content-Type'), e.read())

for path in paths:
    print('GET', path)
    results = [by_hand(path), with_http_client(path), with_urlopen(path)]
    for line in results:
        print(line)
    same = [r[18:] for r in results]
    print('agree:', all(r == same[0] for r in same))
