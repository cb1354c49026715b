"""
One e-mail sent twice: by hand over the socket module -- the SMTP dialogue
typed out (EHLO, MAIL FROM, RCPT TO, DATA, the message with its dots
doubled, a lone dot, QUIT) -- and through smtplib, once with sendmail
(what most programs call) and once step by step (mail, rcpt, data), which
shows the reply the server accepted the message with.

Run: python3 examples/side-by-side/smtp-send.py [host [port [from [to ...]]]]
     (defaults: localhost 1025 me@example.org you@example.org; SMTP_HOST, SMTP_PORT also work)
"""
import os, re, smtplib, socket, sys

argv = sys.argv[1:]
host = argv[0] if len(argv) > 0 else os.environ.get('SMTP_HOST', 'localhost')
port = int(argv[1] if len(argv) > 1 else os.environ.get('SMTP_PORT', 1025))
fromaddr = argv[2] if len(argv) > 2 else 'me@example.org'
toaddrs = argv[3:] if len(argv) > 3 else ['you@example.org']

msg = '\r\n'.join([
    f"From: {fromaddr}",
    f"To: {', '.join(toaddrs)}",
    'Subject: side by side',
    '',
    'Hello from the side-by-side example.',
    '.A line that starts with a dot goes out with two.',
    '',
])

# 1. By hand: each command is a line; each reply is a 3-digit code and text, "250-" lines continuing it.
def by_hand():
    sock = socket.create_connection((host, port), 10)
    f = sock.makefile('rb')
    def reply(expected):
        text = ''
        while True:
            line = f.readline().decode('latin-1').rstrip()
            if line == '':
                raise Exception('the server closed the connection')
            text += ('' if text == '' else '\n') + line[4:]
            if line[3:4] != '-':
                code = int(line[:3])
                if code != expected:
                    raise Exception(f"expected {expected}, got {line}")
                return f"{code} {text}"
    def command(line, expected):
        sock.sendall((line + '\r\n').encode('latin-1'))
        return reply(expected)
    reply(220)                                  # the greeting
    command(f"EHLO {socket.gethostname()}", 250)
    command(f"MAIL FROM:<{fromaddr}>", 250)
    for to in toaddrs:
        command(f"RCPT TO:<{to}>", 250)
    command('DATA', 354)
    stuffed = re.sub(r'(?m)^\.', '..', msg)     # a line starting with "." gets another one
    accepted = command(stuffed + '.', 250)      # the message ends with a line holding one "."
    command('QUIT', 221)
    f.close()
    sock.close()
    return accepted

# 2. smtplib: sendmail returns the recipients the server refused (none, here).
def with_sendmail():
    with smtplib.SMTP(host, port, timeout=10) as s:
        refused = s.sendmail(fromaddr, toaddrs, msg)
    return f"refused {refused!r}"

# 3. smtplib step by step: the same commands as by hand, each returning (code, reply).
def step_by_step():
    with smtplib.SMTP(host, port, timeout=10) as s:
        s.ehlo()
        s.mail(fromaddr)
        for to in toaddrs:
            s.rcpt(to)
        code, text = s.data(msg)
    return f"{code} {text.decode()}"

hand = by_hand()
sendmail = with_sendmail()
steps = step_by_step()
print('by hand (socket):       ', hand)
print('smtplib sendmail:       ', sendmail)
print('smtplib mail/rcpt/data: ', steps)
print('agree:', hand == steps and sendmail == 'refused {}')
