/**
 * urllib.parse against CPython: python3 generates thousands of odd and
 * hostile URLs and query strings (seeded), computes every function's result,
 * and each must equal ours.
 */
import { describe, expect, it } from "vitest";
import {
  parse_qs,
  parse_qsl,
  quote,
  quote_from_bytes,
  quote_plus,
  unquote,
  unquote_plus,
  unquote_to_bytes,
  urldefrag,
  urlencode,
  urljoin,
  urlparse,
  urlsplit,
  urlunparse,
  urlunsplit,
} from "stdnet/urllib/parse";
import { pythonJson } from "../../helpers/python.js";

const SCRIPT = String.raw`
import json, random, sys
from urllib.parse import *
rnd = random.Random(1234)
fixed = [
  "", "http://a/b/c/d;p?q", "http://[::1]:80/x", "http://[::1", "http://::1]/", "http://[v1.fe]/", "http://[vz.x]/",
  "http://[127.0.0.1]/", "http://[fe80::1%25eth0]/", "http://[fe80::1%eTh0]:99/", "http://user:pa:ss@h:0/",
  "http://h:65536/", "http://h:-1/", "http://h:1a/", "http://h: 8/", "http://h:\u0661/", "HTTP://EXAMPLE.COM/",
  " \x00\x1f http://h/p", "ht\ttp://h\n/p\r", "http:/h", "http:h", "//h/p", "///p", "mailto:a@b", "a:b:c", "1http://h",
  "http://h#f#g", "http://h?q?r#f", "http://u@v@h/", "http://h/p;a;b/c;d", "file:///etc/passwd", "data:text/plain,hi",
  "http://\uff03@h/", "http://h\u2100/", "http://ex\u00e4mple.org/", "sip:alice@atlanta.com;transport=tcp", "tel:+1-555;ext=1",
  "http://h/%zz%2", "http://[::ffff:1.2.3.4]/", "http://[1:2:3:4:5:6:7:8:9]/", "http://[::1::2]/", "http://[1::2::3]/",
  "http://[:1::]/", "http://[::01.2.3.4]/", "http://[1:2:3:4:5:6:7::]/", "javascript:alert(1)", "http://h:/", "http://[::1]:/",
  "http://a.b/c/../d/./e/..", "svn+ssh://h/x", "git+ssh://g@h:p/r.git", "http://h/\u00fc?\u00e4=\u00f6#\u00df",
]
alphabet = "abAB09:/?#[]@!$&'()*+,;=%-._~ \t\n\x00\x7f\u00e9\u2603.."
parts = ["http", "https", "ftp", "file", "HtTp", "x-y+z", "://", "//", "/", "?", "#", "[::1]", "[", "]", "@", ":", "%41", "%", "..", ".", ";", "user", "pw", "host", "8080", "a=b", "&", "=", "+"]
urls = list(fixed)
for _ in range(1500):
    urls.append("".join(rnd.choice(parts) for _ in range(rnd.randint(1, 9))))
for _ in range(500):
    urls.append("".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 20))))

def attempt(fn):
    try:
        return {"ok": fn()}
    except Exception as e:
        return {"err": type(e).__name__}

def netloc_fields(r):
    return {k: attempt(lambda k=k: getattr(r, k)) for k in ("username", "password", "hostname", "port")}

out = {"split": [], "parse": [], "defrag": [], "join": [], "quote": [], "qs": [], "enc": []}
for u in urls:
    def sp(u=u):
        r = urlsplit(u)
        return [list(r), netloc_fields(r), r.geturl(), urlunsplit(r)]
    out["split"].append([u, attempt(sp)])
    def pa(u=u):
        r = urlparse(u, "dflt", allow_fragments=len(u) % 2 == 0)
        return [list(r), netloc_fields(r), urlunparse(r)]
    out["parse"].append([u, attempt(pa)])
    out["defrag"].append([u, attempt(lambda u=u: list(urldefrag(u)))])
bases = ["http://a/b/c/d;p?q", "http://a/b/c/", "http://a", "file:///x/y", "https://h/p?q#f", "mailto:x@y", "", "http://a/b/c/d;p?q#f"]
rels = ["g", "./g", "g/", "/g", "//g", "?y", "g?y", "#s", "g#s", ";x", "g;x", "", ".", "./", "..", "../", "../g", "../..", "../../", "../../g", "../../../g", "/./g", "/../g", "g.", ".g", "g..", "..g", "./../g", "./g/.", "g/./h", "g/../h", "http:g", "https:g", "http://x/y", "mailto:z"]
rels += [rnd.choice(urls[:len(fixed)]) for _ in range(40)] + ["".join(rnd.choice(parts) for _ in range(rnd.randint(1, 5))) for _ in range(200)]
for b in bases:
    for r in rels:
        out["join"].append([b, r, attempt(lambda b=b, r=r: urljoin(b, r)), attempt(lambda b=b, r=r: urljoin(b, r, allow_fragments=False))])
strings = urls[:400] + ["\u00fc\u20ac\U0001f600", "a b+c", "/~user/x y", "%41%zz%4", "%e2%82", "%C3%28", "%ff%fe", "+%2B+", "\u00e9%C3%A9"]
for s in strings:
    out["quote"].append([s, attempt(lambda: quote(s)), attempt(lambda: quote(s, safe="")), attempt(lambda: quote(s, safe=":/?\u00e9")),
        attempt(lambda: quote_plus(s)), attempt(lambda: quote_plus(s, safe="/+")), attempt(lambda: unquote(s)), attempt(lambda: unquote_plus(s)),
        attempt(lambda: list(unquote_to_bytes(s))), attempt(lambda: unquote(s, encoding="latin-1")), attempt(lambda: quote(s, encoding="latin-1", errors="replace")),
        attempt(lambda: quote_from_bytes(s.encode("utf-8", "surrogatepass"), "/"))])
qss = ["a=1&b=2", "a=1&a=2&b", "a", "=x", "&&", "a=&b=", "a+b=c+d%20e", "%zz=%41", "k=v;k2=v2", "=", "a==b", "\u00fc=%C3%BC"] + [u.split("?", 1)[-1] for u in urls[:300]]
for q in qss:
    out["qs"].append([q, attempt(lambda: parse_qsl(q)), attempt(lambda: parse_qsl(q, keep_blank_values=True)), attempt(lambda: parse_qsl(q, strict_parsing=True)),
        attempt(lambda: parse_qs(q, True)), attempt(lambda: parse_qsl(q, separator=";")), attempt(lambda: parse_qsl(q, max_num_fields=2))])
encs = [[["a", "1"], ["b", "x y"]], [["k", "\u00e9/&="], ["k", "~._-"]], [["list", ["x", "y z"]], ["s", "str"]], [["n", 3], ["t", True], ["f", 1.5], ["z", None]], [["sp ace", "/p/q"]]]
for e in encs:
    pairs = [tuple(p) for p in e]
    out["enc"].append([e, attempt(lambda: urlencode(pairs)), attempt(lambda: urlencode(pairs, True)), attempt(lambda: urlencode(pairs, safe="/")),
        attempt(lambda: urlencode(pairs, quote_via=quote)), attempt(lambda: urlencode(pairs, doseq=True, quote_via=quote, safe="/ "))])
print(json.dumps(out))
`;

type Attempt<T> = { ok: T } | { err: string };
interface Vectors {
  split: [string, Attempt<[string[], Record<string, Attempt<unknown>>, string, string]>][];
  parse: [string, Attempt<[string[], Record<string, Attempt<unknown>>, string]>][];
  defrag: [string, Attempt<string[]>][];
  join: [string, string, Attempt<string>, Attempt<string>][];
  quote: [string, ...Attempt<unknown>[]][];
  qs: [string, ...Attempt<unknown>[]][];
  enc: [[string, unknown][], ...Attempt<string>[]][];
}

const vectors = pythonJson<Vectors>(SCRIPT);

function attempt<T>(fn: () => T): Attempt<T> {
  try {
    return { ok: fn() };
  } catch (e) {
    return { err: (e as Error).name };
  }
}

function netlocFields(r: { username: unknown; password: unknown; hostname: unknown; port: unknown }): Record<string, Attempt<unknown>> {
  return {
    username: attempt(() => r.username),
    password: attempt(() => r.password),
    hostname: attempt(() => r.hostname),
    port: attempt(() => r.port),
  };
}

describe("urllib.parse equals CPython 3.11 on a generated vector set", () => {
  it("urlsplit() splits, names fields and puts back like Python", () => {
    expect(vectors.split.length).toBeGreaterThan(2000);
    const ours = vectors.split.map(([u]) => [u, attempt(() => {
      const r = urlsplit(u);
      return [[...r], netlocFields(r), r.geturl(), urlunsplit(r)];
    })]);
    expect(ours).toEqual(vectors.split);
  });

  it("urlparse() honours a default scheme, params and allow_fragments like Python", () => {
    const ours = vectors.parse.map(([u]) => [u, attempt(() => {
      const r = urlparse(u, "dflt", u.length % 2 === 0);
      return [[...r], netlocFields(r), urlunparse(r)];
    })]);
    expect(ours).toEqual(vectors.parse);
  });

  it("urldefrag() splits off the fragment like Python", () => {
    expect(vectors.defrag.map(([u]) => [u, attempt(() => [...urldefrag(u)])])).toEqual(vectors.defrag);
  });

  it("urljoin() resolves RFC 3986 examples and random references like Python", () => {
    const ours = vectors.join.map(([b, r]) => [b, r, attempt(() => urljoin(b, r)), attempt(() => urljoin(b, r, false))]);
    expect(ours).toEqual(vectors.join);
  });

  it("quote(), quote_plus(), unquote() and friends encode and decode like Python", () => {
    const enc = new TextEncoder();
    const ours = vectors.quote.map(([s]) => [
      s,
      attempt(() => quote(s)),
      attempt(() => quote(s, "")),
      attempt(() => quote(s, ":/?\u00e9")),
      attempt(() => quote_plus(s)),
      attempt(() => quote_plus(s, "/+")),
      attempt(() => unquote(s)),
      attempt(() => unquote_plus(s)),
      attempt(() => [...unquote_to_bytes(s)]),
      attempt(() => unquote(s, "latin-1")),
      attempt(() => quote(s, "/", "latin-1", "replace")),
      attempt(() => quote_from_bytes(enc.encode(s), "/")),
    ]);
    expect(ours).toEqual(vectors.quote);
  });

  it("parse_qsl() and parse_qs() split queries like Python, strictness and limits included", () => {
    const ours = vectors.qs.map(([q]) => [
      q,
      attempt(() => parse_qsl(q)),
      attempt(() => parse_qsl(q, true)),
      attempt(() => parse_qsl(q, false, true)),
      attempt(() => ({ ...parse_qs(q, true) })),
      attempt(() => parse_qsl(q, false, false, { separator: ";" })),
      attempt(() => parse_qsl(q, false, false, { max_num_fields: 2 })),
    ]);
    expect(ours).toEqual(vectors.qs);
  });

  it("urlencode() quotes pairs, sequences and non-strings like Python", () => {
    const ours = vectors.enc.map(([e]) => {
      const pairs = e.map(([k, v]) => [k, v] as const) as [string, string | number | boolean | null | string[]][];
      return [
        e,
        attempt(() => urlencode(pairs)),
        attempt(() => urlencode(pairs, true)),
        attempt(() => urlencode(pairs, false, "/")),
        attempt(() => urlencode(pairs, { quote_via: quote })),
        attempt(() => urlencode(pairs, { doseq: true, quote_via: quote, safe: "/ " })),
      ];
    });
    expect(ours).toEqual(vectors.enc);
  });
});

describe("quote() and unquote() codecs, as CPython's", () => {
  it("encode and decode by Python's codec names and handlers, and refuse with its exceptions and texts", () => {
    // [text, encoding, errors]: quote(text, '/', encoding, errors) and unquote(text, encoding, errors)
    const cases: [string, string, string][] = [];
    const texts = ["caf\u00e9", "\u20ac\u20ac/x", "a\ud800b", "\udce9\u{1f600}", "%e9t%C3%A9", "%ff%fe%41", "%C3%28", "%e2%82%ac%e2%82", "plain"];
    for (const t of texts) for (const enc of ["utf-8", "U8", "ascii", "646", "ISO8859.1", "latin.1", "koi9"]) for (const errs of ["strict", "replace", "ignore", "backslashreplace", "xmlcharrefreplace", "surrogateescape", "surrogatepass", "bogus"]) cases.push([t, enc, errs]);
    const theirs = pythonJson<[string, string][]>(
      String.raw`
import json, sys
from urllib.parse import quote, unquote
def attempt(f):
    try:
        return f()
    except Exception as e:
        return type(e).__name__ + ": " + str(e)
print(json.dumps([[attempt(lambda: quote(t, "/", e, h)), attempt(lambda: unquote(t, e, h))] for t, e, h in json.loads(sys.stdin.read())]))
`,
      JSON.stringify(cases),
    );
    const run = (f: () => string): string => {
      try {
        return f();
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    };
    const mismatches: string[] = [];
    cases.forEach(([t, enc, errs], i) => {
      const ours = [run(() => quote(t, "/", enc, errs)), run(() => unquote(t, enc, errs))];
      // another codec or handler than stdnet has: refused, naming what it speaks
      const want = theirs[i]!.map((w) => (w.startsWith("LookupError: unknown encoding") ? `${w} (stdnet's urllib.parse speaks 'utf-8', 'latin-1' or 'ascii')` : w));
      if (JSON.stringify(ours) !== JSON.stringify(want)) mismatches.push(`${JSON.stringify([t, enc, errs])}: ours ${JSON.stringify(ours)}, python3 ${JSON.stringify(theirs[i])}`);
    });
    expect(mismatches).toEqual([]);
  });
});
