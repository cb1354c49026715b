/**
 * EmailMessage against Python's: scripts of operations run on both, the
 * resulting header lists and part trees compared; as_bytes() read back by
 * Python's parser.
 */
import { describe, expect, it } from "vitest";
import { EmailMessage, MIMEPart, getaddresses, parseaddr } from "stdnet/email";
import { PyTypeError, ValueError } from "stdnet/socket";
import { pythonJson, runPython } from "../../helpers/python.js";

type Op =
  | ["set", string, string]
  | ["del", string]
  | ["replace_header", string, string]
  | ["text", "set_content" | "add_alternative" | "add_attachment" | "add_related", string, Record<string, string>]
  | ["bytes", "set_content" | "add_alternative" | "add_attachment" | "add_related", string, string, string, Record<string, string>];

interface Tree {
  type: string;
  items: [string, string][];
  content?: string;
  parts?: Tree[];
}

interface Outcome {
  errors: (string | null)[];
  tree: Tree;
}

const PYTHON_RUN = String.raw`
import json, sys, base64
from email.message import EmailMessage
import email.utils as u
given = json.load(sys.stdin)
scripts, corpus = given['scripts'], given['corpus']
def tree(p):
    items = [[k, str(v)] for k, v in p.items()]
    d = {'type': p.get_content_type(), 'items': items}
    if p.is_multipart():
        d['parts'] = [tree(q) for q in p.iter_parts()]
    elif p.get_payload() is not None and p.get_payload() != '' or p.get('Content-Type'):
        c = p.get_content()
        d['content'] = base64.b64encode(c).decode() if isinstance(c, bytes) else c
    return d
out = []
for ops in scripts:
    m = EmailMessage()
    errors = []
    for op in ops:
        try:
            if op[0] == 'set': m[op[1]] = op[2]
            elif op[0] == 'del': del m[op[1]]
            elif op[0] == 'replace_header': m.replace_header(op[1], op[2])
            elif op[0] == 'text': getattr(m, op[1])(op[2], **op[3])
            elif op[0] == 'bytes': getattr(m, op[1])(base64.b64decode(op[2]), op[3], op[4], **op[5])
            errors.append(None)
        except Exception as e:
            errors.append(type(e).__name__ + ': ' + str(e))
    out.append({'errors': errors, 'tree': tree(m)})
addr = {'one': [u.parseaddr(x) for x in corpus], 'many': [u.getaddresses([x]) for x in corpus], 'joined': u.getaddresses(corpus)}
print(json.dumps({'scripts': out, 'addr': addr}))
`;

function treeOf(p: MIMEPart): Tree {
  const d: Tree = { type: p.get_content_type(), items: p.items() };
  if (p.is_multipart()) d.parts = p.iter_parts().map(treeOf);
  else if (p.get("Content-Type") !== null) {
    const c = p.get_content();
    d.content = typeof c === "string" ? c : c.toString("base64");
  }
  return d;
}

function runOurs(ops: Op[]): Outcome {
  const m = new EmailMessage();
  const errors = ops.map((op): string | null => {
    try {
      if (op[0] === "set") m.set(op[1], op[2]);
      else if (op[0] === "del") m.del(op[1]);
      else if (op[0] === "replace_header") m.replace_header(op[1], op[2]);
      else if (op[0] === "text") m[op[1]](op[2], op[3]);
      else m[op[1]](Buffer.from(op[2], "base64"), op[3], op[4], op[5]);
      return null;
    } catch (e) {
      const err = e as Error;
      return `${err.name}: ${err.message}`;
    }
  });
  return { errors, tree: treeOf(m) };
}

const BIN = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0d, 0x0a, 0x2e, 0x41]).toString("base64");

const SCRIPTS: Op[][] = [
  // headers: append semantics, several values, delete, replace, unique headers
  [
    ["set", "From", "Ann <ann@example.org>"],
    ["set", "To", "bob@example.org"],
    ["set", "Received", "from a"],
    ["set", "Received", "from b"],
    ["set", "X-Custom", "v1"],
    ["set", "subject", "Hello"],
    ["set", "Subject", "Again"],
    ["set", "To", "second@example.org"],
    ["set", "to", "third@example.org"],
    ["replace_header", "x-custom", "v2"],
    ["del", "received"],
    ["set", "Received", "from c"],
  ],
  // CR/LF in values is refused
  [
    ["set", "Subject", "ok"],
    ["set", "X-Evil", "a\r\nBcc: victim@example.org"],
    ["set", "X-Evil2", "a\nb"],
    ["set", "X-Evil3", "a\rb"],
  ],
  // text content, then alternative, then attachments
  [
    ["set", "From", "a@example.org"],
    ["set", "Subject", "Grüße"],
    ["text", "set_content", "Hello\nsecond line\n.dot line", {}],
    ["text", "add_alternative", "<p>Hello</p>", { subtype: "html" }],
    ["bytes", "add_attachment", BIN, "application", "octet-stream", { filename: "data.bin" }],
    ["bytes", "add_attachment", BIN, "image", "png", { filename: "pic.png", disposition: "inline" }],
  ],
  // non-ASCII text, another charset, a text attachment
  [
    ["text", "set_content", "Grüße aus Köln\r\nzweite Zeile", {}],
    ["text", "add_attachment", "notes: café", { filename: "notes.txt" }],
  ],
  [["text", "set_content", "caf\u00e9 latin", { charset: "iso-8859-1" }]],
  // bytes content at the top, then replaced by text (clears the content headers)
  [
    ["bytes", "set_content", BIN, "application", "pdf", { filename: "a.pdf" }],
    ["text", "set_content", "now text", { subtype: "plain" }],
  ],
  // HTML with an inline image (related), then a plain alternative is refused, then an attachment
  [
    ["text", "set_content", '<p><img src="cid:logo@example.org"></p>', { subtype: "html" }],
    ["bytes", "add_related", BIN, "image", "png", { cid: "<logo@example.org>" }],
    ["text", "add_alternative", "plain version", {}],
    ["bytes", "add_attachment", BIN, "application", "octet-stream", { filename: "x.bin" }],
  ],
  // attachment first: the message becomes multipart/mixed with one part
  [
    ["set", "To", "x@example.org"],
    ["bytes", "add_attachment", BIN, "application", "zip", { filename: "z.zip" }],
  ],
];

const CORPUS = [
  "a@b", "Foo <a@b>", '"Bar, X" <c@d>', "a@b (Comment)", "<>", "", "bad", "<x@y", "a @ b .c",
  '"a b"@c', "undisclosed-recipients:;", "g: a@b, c@d;", "Name <a@b> (c)", "a@b@c", "<<a@b>>",
  "\"quoted \\\" esc\" <q@e.org>", "(only comment)", "@route:a@b", "<@r1,@r2:x@y>", "a@[127.0.0.1]",
  "Jörg <jörg@exämple.org>", "a@b,c@d", " , ,a@b", "a@b.", "x@y\r\n z@w", "Real Name <real.name+tag@example.co.uk>",
  ];

// One python3 run computes every expected value of the synchronous tests.
const ORACLE = pythonJson<{ scripts: Outcome[]; addr: { one: [string, string][]; many: [string, string][][]; joined: [string, string][] } }>(
  PYTHON_RUN,
  JSON.stringify({ scripts: SCRIPTS, corpus: CORPUS }),
);

describe("EmailMessage matches Python's", () => {
  const expected = ORACLE.scripts;

  SCRIPTS.forEach((ops, i) => {
    it(`script ${i}: same errors, headers and part tree (${ops.map((o) => o[0] === "text" || o[0] === "bytes" ? o[1] : o[0]).join(", ")})`, () => {
      const ours = runOurs(ops);
      const want = expected[i];
      expect(ours.errors.map((e) => e?.split(":")[0] ?? null)).toEqual(want?.errors.map((e) => e?.split(":")[0] ?? null));
      expect(ours.errors).toEqual(want?.errors);
      expect(ours.tree).toEqual(want?.tree);
    });
  });
});

describe("EmailMessage input checks", () => {
  it("refuses a header name with CR, LF, ':' or a space", () => {
    const m = new EmailMessage();
    for (const name of ["X-A\r\nBcc", "X\n", "X:Y", "X Y", ""]) {
      expect(() => {
        m.set(name, "v");
      }).toThrow(ValueError);
    }
    expect(m.keys()).toEqual([]);
  });

  it("a bad extra header in set_content leaves the message as it was", () => {
    const m = new EmailMessage();
    m.set_content("first");
    const before = m.items();
    expect(() => {
      m.set_content("second", { headers: ["X-Bad: a\r\nb"] });
    }).toThrow(ValueError);
    expect(m.items()).toEqual(before);
    expect(m.get_content()).toBe("first\n");
  });

  it("set_content() takes a charset by Python's codec names, names it in the header as Python's, and refuses as Python's", () => {
    const charsets = ["utf-8", "UTF-8", "utf8", "U8", "latin-1", "latin_1", "latin1", "L1", "ISO8859.1", "ascii", "us-ascii", "646", "latin.1", "koi9", "utf8\0"];
    const texts = ["plain", "caf\u00e9", "\u20ac1", "a\ud800"];
    const cases = charsets.flatMap((charset) => texts.map((text) => ({ charset, text })));
    const theirs = pythonJson<string[]>(
      String.raw`
import json, sys
from email.message import EmailMessage
out = []
for c in json.loads(sys.stdin.read()):
    m = EmailMessage()
    try:
        m.set_content(c["text"], charset=c["charset"])
        out.append(m["Content-Type"])
    except Exception as e:
        out.append(type(e).__name__ + ": " + str(e))
print(json.dumps(out))
`,
      JSON.stringify(cases),
    );
    const ours = cases.map(({ charset, text }) => {
      const m = new EmailMessage();
      try {
        m.set_content(text, { charset });
        return m.get("Content-Type");
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    });
    // a codec stdnet does not have is refused naming the three it encodes
    const want = theirs.map((t) => (t.startsWith("LookupError: unknown encoding") ? `${t} (stdnet/email encodes utf-8, us-ascii and iso-8859-1)` : t));
    expect(ours).toEqual(want);
  });

  it("set_content on a multipart is a TypeError, as Python's", () => {
    const m = new EmailMessage();
    m.set_content("a");
    m.add_alternative("<p>a</p>", { subtype: "html" });
    expect(() => {
      m.set_content("b");
    }).toThrow(PyTypeError);
  });

  it("get() and get_all() give null for a missing header, has() is Python's 'in'", () => {
    const m = new EmailMessage();
    expect(m.get("To")).toBeNull();
    expect(m.get("To", "dflt")).toBe("dflt");
    expect(m.get_all("To")).toBeNull();
    m.set("To", "a@example.org");
    expect(m.has("to")).toBe(true);
  });
});

describe("as_bytes() and as_string()", () => {
  const PYTHON_PARSE = String.raw`
import json, sys, base64, email
from email import policy
def part(p):
    d = {'type': p.get_content_type(), 'items': [[k, str(v)] for k, v in p.items() if not k.lower().startswith('content-') and k.lower() != 'mime-version']}
    if p.is_multipart():
        d['parts'] = [part(q) for q in p.iter_parts()]
    else:
        c = p.get_content()
        d['content'] = base64.b64encode(c).decode() if isinstance(c, bytes) else c
        d['filename'] = p.get_filename()
        d['disposition'] = p.get_content_disposition()
        d['charset'] = p.get_content_charset()
    return d
from email.message import EmailMessage
m = EmailMessage()
m['From'] = 'Ann <ann@example.org>'
m['To'] = 'bob@example.org'
m['Bcc'] = 'hidden@example.org'
m['Subject'] = 'Grüße'
m.set_content('Hallo Welt\nGrüße\n')
m.add_alternative('<p>Grüße</p>', subtype='html')
m.add_attachment(base64.b64decode(sys.argv[1]), maintype='application', subtype='octet-stream', filename='daten.bin')
m2 = EmailMessage()
m2['Subject'] = 'latin'
m2.set_content('caf\u00e9 cr\u00e8me\nzweite Zeile \u00fc\n', charset='iso-8859-1')
ours, ours2 = [email.message_from_bytes(base64.b64decode(b), policy=policy.default) for b in json.load(sys.stdin)]
theirs = email.message_from_bytes(m.as_bytes(), policy=policy.default)
theirs2 = email.message_from_bytes(m2.as_bytes(), policy=policy.default)
print(json.dumps([part(theirs), part(ours), part(theirs2), part(ours2)]))
`;

  function build(): EmailMessage {
    const m = new EmailMessage();
    m.set("From", "Ann <ann@example.org>");
    m.set("To", "bob@example.org");
    m.set("Bcc", "hidden@example.org");
    m.set("Subject", "Grüße");
    m.set_content("Hallo Welt\nGrüße\n");
    m.add_alternative("<p>Grüße</p>", { subtype: "html" });
    m.add_attachment(Buffer.from(BIN, "base64"), "application", "octet-stream", { filename: "daten.bin" });
    return m;
  }

  it("Python's parser reads our bytes as the message Python itself composes (utf-8 and iso-8859-1)", async () => {
    const ours = await build().as_bytes();
    const latin = new EmailMessage();
    latin.set("Subject", "latin");
    latin.set_content("caf\u00e9 cr\u00e8me\nzweite Zeile \u00fc\n", { charset: "iso-8859-1" });
    const ours2 = await latin.as_bytes();
    const input = JSON.stringify([ours.toString("base64"), ours2.toString("base64")]);
    const [theirs, mine, theirs2, mine2] = await runPython(PYTHON_PARSE, [BIN], input).then((out) => JSON.parse(out.toString()) as unknown[]);
    expect(mine).toEqual(theirs);
    expect(mine2).toEqual(theirs2);
  });

  it("ends lines with \\n by default (Python's policy) and with \\r\\n when asked; Bcc is kept", async () => {
    const m = build();
    const lf = await m.as_bytes();
    expect(lf.includes("\r")).toBe(false);
    const crlf = await m.as_bytes({ linesep: "\r\n" });
    expect(crlf.toString("latin1").replace(/\r\n/g, "")).not.toContain("\n");
    expect(await m.as_string()).toContain("Bcc: hidden@example.org\n");
  });

  it("adds no Date or Message-ID of its own, as Python's", async () => {
    const m = new EmailMessage();
    m.set("Subject", "x");
    m.set_content("body");
    const text = await m.as_string();
    expect(text).not.toMatch(/^Date:/m);
    expect(text).not.toMatch(/^Message-ID:/im);
    m.set("Date", "Mon, 20 Nov 2023 10:00:00 +0000");
    expect(await m.as_string()).toContain("Date: Mon, 20 Nov 2023 10:00:00 +0000");
  });
});

describe("parseaddr() and getaddresses()", () => {

  it("agree with Python's email.utils on a corpus", () => {
    const want = ORACLE.addr;
    expect(CORPUS.map((x) => parseaddr(x))).toEqual(want.one);
    expect(CORPUS.map((x) => getaddresses([x]))).toEqual(want.many);
    expect(getaddresses(CORPUS)).toEqual(want.joined);
  });
});
