/**
 * python3's smtplib and ours send the same mail to the same smtp-server:
 * the server must see the same envelopes and equivalent messages, and both
 * sides must report refusals alike.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmailMessage } from "stdnet/email";
import { SMTP, SMTPRecipientsRefused, SMTPSenderRefused } from "stdnet/smtplib";
import { runPython } from "../../helpers/python.js";
import { startSmtpServer, type ReceivedMessage, type SmtpTestServer } from "../../helpers/smtpserver.js";

const ATTACHMENT = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256));
const RAW = Buffer.from("From: a@example.org\r\nSubject: raw\r\n\r\n.starts with a dot\r\nplain\r\n..two\r\n.\r\nend\r\n", "latin1");

// The same sends, in Python. Prints one JSON object with what smtplib returned or raised.
const PYTHON_SENDS = String.raw`
import json, smtplib, sys, base64
from email.message import EmailMessage
port = int(sys.argv[1])
attachment = base64.b64decode(sys.argv[2])
raw = base64.b64decode(sys.argv[3])
out = {}
def build(resent=False):
    m = EmailMessage()
    m['From'] = 'Ann Example <ann@example.org>'
    m['To'] = 'bob@example.org, "Carol, C." <carol@example.org>'
    m['Cc'] = 'dave@example.org'
    m['Bcc'] = 'eve@example.org'
    m['Subject'] = 'Grüße from the interop test'
    if resent:
        m['Resent-Date'] = 'Mon, 20 Nov 2023 10:00:00 +0000'
        m['Resent-From'] = 'frank@example.org'
        m['Resent-To'] = 'grace@example.org'
        m['Resent-Bcc'] = 'heidi@example.org'
    m.set_content('Hello,\nthis is the text part.\n.leading dot\n')
    m.add_alternative('<p>Hello, <b>HTML</b> part</p>', subtype='html')
    m.add_attachment(attachment, maintype='application', subtype='octet-stream', filename='data.bin')
    return m
with smtplib.SMTP('127.0.0.1', port, local_hostname='interop.local') as s:
    s.ehlo()
    out['features'] = s.esmtp_features
    out['refused'] = {k: [c, m.decode()] for k, (c, m) in s.sendmail('a@example.org', ['x@example.org', 'nobody@example.org', 'Yvonne <y@example.org>'], raw, ['BODY=8BITMIME']).items()}
    out['message'] = {k: [c, m.decode()] for k, (c, m) in s.send_message(build()).items()}
    out['resent'] = {k: [c, m.decode()] for k, (c, m) in s.send_message(build(resent=True)).items()}
    try:
        s.sendmail('spam@example.org', ['x@example.org'], b'x')
    except smtplib.SMTPSenderRefused as e:
        out['sender_refused'] = [e.smtp_code, e.smtp_error.decode(), e.sender, str(e)]
    try:
        s.sendmail('a@example.org', ['nobody@example.org'], b'x')
    except smtplib.SMTPRecipientsRefused as e:
        out['all_refused'] = str(e)
print(json.dumps(out))
`;

// Describes received messages as Python's email parser reads them.
const PYTHON_DESCRIBE = String.raw`
import json, sys, base64, email
from email import policy
msgs = json.load(sys.stdin)
def part(p):
    d = {'type': p.get_content_type()}
    if p.is_multipart():
        d['parts'] = [part(q) for q in p.iter_parts()]
    else:
        c = p.get_content()
        d['content'] = base64.b64encode(c).decode() if isinstance(c, bytes) else c
        d['filename'] = p.get_filename()
        d['disposition'] = p.get_content_disposition()
    return d
out = []
for b in msgs:
    m = email.message_from_bytes(base64.b64decode(b), policy=policy.default)
    heads = {k: [str(v) for v in m.get_all(k)] for k in ['From', 'To', 'Cc', 'Subject', 'Resent-From', 'Resent-To', 'Resent-Date'] if m.get_all(k)}
    out.append({'headers': heads, 'bcc': m.get_all('Bcc'), 'resent_bcc': m.get_all('Resent-Bcc'), 'body': part(m)})
print(json.dumps(out))
`;

function build(resent = false): EmailMessage {
  const m = new EmailMessage();
  m.set("From", "Ann Example <ann@example.org>");
  m.set("To", 'bob@example.org, "Carol, C." <carol@example.org>');
  m.set("Cc", "dave@example.org");
  m.set("Bcc", "eve@example.org");
  m.set("Subject", "Grüße from the interop test");
  if (resent) {
    m.set("Resent-Date", "Mon, 20 Nov 2023 10:00:00 +0000");
    m.set("Resent-From", "frank@example.org");
    m.set("Resent-To", "grace@example.org");
    m.set("Resent-Bcc", "heidi@example.org");
  }
  m.set_content("Hello,\nthis is the text part.\n.leading dot\n");
  m.add_alternative("<p>Hello, <b>HTML</b> part</p>", { subtype: "html" });
  m.add_attachment(ATTACHMENT, "application", "octet-stream", { filename: "data.bin" });
  return m;
}

function decodeRefused(r: Record<string, [number, Uint8Array]>): Record<string, [number, string]> {
  return Object.fromEntries(Object.entries(r).map(([k, [c, m]]) => [k, [c, Buffer.from(m).toString()]]));
}

interface PythonSends {
  features: Record<string, string>;
  refused: Record<string, [number, string]>;
  message: Record<string, [number, string]>;
  resent: Record<string, [number, string]>;
  sender_refused: [number, string, string, string];
  all_refused: string;
}

describe("interop with python3's smtplib", () => {
  let srv: SmtpTestServer;
  let fromPython: ReceivedMessage[];
  let fromUs: ReceivedMessage[];
  let py: PythonSends;
  const ours: Partial<PythonSends> = {};

  beforeAll(async () => {
    srv = await startSmtpServer({ refuse: ["nobody@example.org"], refuseSender: ["spam@example.org"], size: 1_000_000 });
    const out = await runPython(PYTHON_SENDS, [String(srv.port), ATTACHMENT.toString("base64"), RAW.toString("base64")]);
    py = JSON.parse(out.toString()) as PythonSends;
    fromPython = srv.received.splice(0);
    await using s = new SMTP("127.0.0.1", srv.port, "interop.local");
    await s.ehlo();
    ours.features = { ...s.esmtp_features };
    ours.refused = decodeRefused(await s.sendmail("a@example.org", ["x@example.org", "nobody@example.org", "Yvonne <y@example.org>"], RAW, ["BODY=8BITMIME"]));
    ours.message = decodeRefused(await s.send_message(build()));
    ours.resent = decodeRefused(await s.send_message(build(true)));
    const e1 = await s.sendmail("spam@example.org", ["x@example.org"], Buffer.from("x")).catch((e: unknown) => e);
    if (e1 instanceof SMTPSenderRefused) ours.sender_refused = [e1.smtp_code, Buffer.from(e1.smtp_error).toString(), e1.sender, e1.message];
    const e2 = await s.sendmail("a@example.org", ["nobody@example.org"], Buffer.from("x")).catch((e: unknown) => e);
    if (e2 instanceof SMTPRecipientsRefused) ours.all_refused = e2.message;
    fromUs = srv.received.splice(0);
  });
  afterAll(async () => {
    await srv.close();
  });

  it("both read the same EHLO features", () => {
    expect(ours.features).toEqual(py.features);
  });

  it("sendmail(): same envelope, same bytes, same refusals", () => {
    expect(fromUs[0]?.from).toBe(fromPython[0]?.from);
    expect(fromUs[0]?.to).toEqual(fromPython[0]?.to);
    expect(fromUs[0]?.mailArgs).toEqual(fromPython[0]?.mailArgs);
    expect(fromUs[0]?.raw.equals(RAW)).toBe(true);
    expect(fromPython[0]?.raw.equals(RAW)).toBe(true);
    expect(ours.refused).toEqual(py.refused);
  });

  it("send_message(): same envelope from the headers (To, Bcc, Cc; Resent-* when present)", () => {
    for (const i of [1, 2]) {
      expect(fromUs[i]?.from).toBe(fromPython[i]?.from);
      expect(fromUs[i]?.to).toEqual(fromPython[i]?.to);
    }
    expect(fromUs[1]?.to).toEqual(["bob@example.org", "carol@example.org", "eve@example.org", "dave@example.org"]);
    expect(fromUs[2]?.to).toEqual(["grace@example.org", "heidi@example.org"]);
    expect(ours.message).toEqual(py.message);
    expect(ours.resent).toEqual(py.resent);
  });

  it("send_message(): equivalent messages, Bcc not transmitted, attachment bytes intact", async () => {
    const raws = [fromPython[1], fromUs[1], fromPython[2], fromUs[2]].map((m) => m?.raw.toString("base64"));
    const described = JSON.parse((await runPython(PYTHON_DESCRIBE, [], JSON.stringify(raws))).toString()) as {
      headers: Record<string, string[]>;
      bcc: unknown;
      resent_bcc: unknown;
      body: { parts: { parts?: unknown[]; content?: string }[] };
    }[];
    expect(described[1]).toEqual(described[0]);
    expect(described[3]).toEqual(described[2]);
    expect(described[1]?.bcc).toBeNull();
    expect(described[3]?.resent_bcc).toBeNull();
    expect(described[1]?.body.parts[1]?.content).toBe(ATTACHMENT.toString("base64"));
  });

  it("errors read as Python's str()", () => {
    expect(ours.sender_refused).toEqual(py.sender_refused);
    expect(ours.all_refused).toBe(py.all_refused);
  });
});
