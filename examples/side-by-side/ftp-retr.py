"""
One file downloaded twice from an FTP server: by hand over the socket
module -- USER, PASS, TYPE I, PASV on the control connection, then a second
socket to the address PASV gave for the data while RETR's 150 and 226
replies come on the first -- and through ftplib's retrbinary. Each way
prints the file's size and SHA-256, so a reader sees they agree.

Run: python3 examples/side-by-side/ftp-retr.py [host [port [user [password [file]]]]]
     (defaults: localhost 21 anonymous anonymous@ data.bin;
      FTP_HOST, FTP_PORT, FTP_USER, FTP_PASSWORD, FTP_FILE also work)
"""
import ftplib, hashlib, os, re, socket, sys

argv = sys.argv[1:]
host = argv[0] if len(argv) > 0 else os.environ.get('FTP_HOST', 'localhost')
port = int(argv[1] if len(argv) > 1 else os.environ.get('FTP_PORT', 21))
user = argv[2] if len(argv) > 2 else os.environ.get('FTP_USER', 'anonymous')
password = argv[3] if len(argv) > 3 else os.environ.get('FTP_PASSWORD', 'anonymous@')
filename = argv[4] if len(argv) > 4 else os.environ.get('FTP_FILE', 'data.bin')

def summary(way, size, digest, reply):
    return f"{way + ':':<19} {size} bytes, sha256 {digest[:16]}, {reply!r}"

# 1. By hand: commands are lines; a reply is "ddd text", or "ddd-" lines up to one starting "ddd ".
def by_hand():
    control = socket.create_connection((host, port), 10)
    f = control.makefile('rb')
    def readline():
        line = f.readline().decode('latin-1')
        if line == '':
            raise Exception('the server closed the connection')
        return line.rstrip('\r\n')
    def reply():
        text = readline()
        if text[3:4] == '-':
            code = text[:3]
            while True:
                line = readline()
                text += '\n' + line
                if line.startswith(code) and line[3:4] != '-':
                    break
        if text[:1] in ('4', '5'):
            raise Exception(f"the server said {text}")
        return text
    def command(line):
        control.sendall((line + '\r\n').encode('latin-1'))
        return reply()
    reply()                                     # 220 welcome
    if command(f"USER {user}").startswith('3'):
        command(f"PASS {password}")             # 331, then 230
    command('TYPE I')                           # binary: the bytes as they are
    pasv = command('PASV')                      # 227 Entering Passive Mode (127,0,0,1,195,80)
    h1, h2, h3, h4, p1, p2 = map(int, re.search(r'(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)', pasv).groups())
    # ftplib itself connects to the control connection's host instead (trust_server_pasv_ipv4_address).
    data = socket.create_connection((f"{h1}.{h2}.{h3}.{h4}", p1 * 256 + p2), 10)
    command(f"RETR {filename}")                 # 150: the file comes on the data connection
    digest = hashlib.sha256()
    size = 0
    while True:
        block = data.recv(65536)
        if not block:                           # the server closes the data connection at the end of the file
            break
        digest.update(block)
        size += len(block)
    data.close()
    done = reply()                              # 226 on the control connection
    command('QUIT')                             # 221
    f.close()
    control.close()
    return summary('by hand (socket)', size, digest.hexdigest(), done)

# 2. ftplib: the same session; retrbinary does PASV, the data connection and the replies.
def with_ftplib():
    ftp = ftplib.FTP()
    ftp.connect(host, port, 10)
    ftp.login(user, password)
    digest = hashlib.sha256()
    size = 0
    def block(b):
        nonlocal size
        digest.update(b)
        size += len(b)
    done = ftp.retrbinary(f"RETR {filename}", block)
    ftp.quit()
    return summary('ftplib.retrbinary', size, digest.hexdigest(), done)

results = [by_hand(), with_ftplib()]
for line in results:
    print(line)
print('agree:', results[0][20:] == results[1][20:])
