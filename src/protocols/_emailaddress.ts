/**
 * Python's `email.utils.parseaddr` and `getaddresses`: a port of CPython
 * 3.11's `email._parseaddr.AddrlistClass`, the lenient RFC 2822 address-list
 * reader that smtplib uses to find envelope addresses in headers.
 * @module
 */

const SPECIALS = '()<>@,:;."[]';
const LWS = " \t";
const CR = "\r\n";
const FWS = LWS + CR;
const ATOMENDS = SPECIALS + LWS + CR;
const PHRASEENDS = ATOMENDS.replace(".", "");

/**
 * A parsed address: `[realname, email]`, Python's 2-tuple.
 *
 * @example
 * ```ts
 * const [name, addr]: ParsedAddress = parseaddr("Foo <foo@example.org>");
 * ```
 */
export type ParsedAddress = [realname: string, email: string];

function quote(s: string): string {
  return s.replaceAll("\\", "\\\\").replaceAll('"', '\\"');
}

class AddrlistParser {
  pos = 0;
  commentlist: string[] = [];
  constructor(readonly field: string) {}

  #at(): string {
    return this.field.charAt(this.pos);
  }

  gotonext(): string {
    let ws = "";
    while (this.pos < this.field.length) {
      const c = this.#at();
      if ((LWS + "\n\r").includes(c)) {
        if (c !== "\n" && c !== "\r") ws += c;
        this.pos++;
      } else if (c === "(") {
        this.commentlist.push(this.getcomment());
      } else break;
    }
    return ws;
  }

  getaddrlist(): ParsedAddress[] {
    const result: ParsedAddress[] = [];
    while (this.pos < this.field.length) {
      const ad = this.getaddress();
      if (ad.length > 0) result.push(...ad);
      else result.push(["", ""]);
    }
    return result;
  }

  getaddress(): ParsedAddress[] {
    this.commentlist = [];
    this.gotonext();
    const oldpos = this.pos;
    const oldcl = this.commentlist;
    const plist = this.getphraselist();
    this.gotonext();
    let returnlist: ParsedAddress[] = [];
    const len = this.field.length;
    if (this.pos >= len) {
      if (plist.length > 0) returnlist = [[this.commentlist.join(" "), plist[0] ?? ""]];
    } else if (".@".includes(this.#at())) {
      this.pos = oldpos;
      this.commentlist = oldcl;
      const addrspec = this.getaddrspec();
      returnlist = [[this.commentlist.join(" "), addrspec]];
    } else if (this.#at() === ":") {
      returnlist = [];
      this.pos++;
      while (this.pos < len) {
        this.gotonext();
        if (this.pos < len && this.#at() === ";") {
          this.pos++;
          break;
        }
        returnlist = returnlist.concat(this.getaddress());
      }
    } else if (this.#at() === "<") {
      const routeaddr = this.getrouteaddr();
      if (this.commentlist.length > 0) {
        returnlist = [[`${plist.join(" ")} (${this.commentlist.join(" ")})`, routeaddr]];
      } else {
        returnlist = [[plist.join(" "), routeaddr]];
      }
    } else {
      if (plist.length > 0) returnlist = [[this.commentlist.join(" "), plist[0] ?? ""]];
      else if (SPECIALS.includes(this.#at())) this.pos++;
    }
    this.gotonext();
    if (this.pos < len && this.#at() === ",") this.pos++;
    return returnlist;
  }

  getrouteaddr(): string {
    if (this.#at() !== "<") return "";
    let expectroute = false;
    this.pos++;
    this.gotonext();
    let adlist = "";
    while (this.pos < this.field.length) {
      if (expectroute) {
        this.getdomain();
        expectroute = false;
      } else if (this.#at() === ">") {
        this.pos++;
        break;
      } else if (this.#at() === "@") {
        this.pos++;
        expectroute = true;
      } else if (this.#at() === ":") {
        this.pos++;
      } else {
        adlist = this.getaddrspec();
        this.pos++;
        break;
      }
      this.gotonext();
    }
    return adlist;
  }

  getaddrspec(): string {
    const aslist: string[] = [];
    this.gotonext();
    while (this.pos < this.field.length) {
      let preserveWs = true;
      const c = this.#at();
      if (c === ".") {
        const last = aslist[aslist.length - 1];
        if (last !== undefined && last.trim() === "") aslist.pop();
        aslist.push(".");
        this.pos++;
        preserveWs = false;
      } else if (c === '"') {
        aslist.push(`"${quote(this.getquote())}"`);
      } else if (ATOMENDS.includes(c)) {
        const last = aslist[aslist.length - 1];
        if (last !== undefined && last.trim() === "") aslist.pop();
        break;
      } else {
        aslist.push(this.getatom());
      }
      const ws = this.gotonext();
      if (preserveWs && ws !== "") aslist.push(ws);
    }
    if (this.pos >= this.field.length || this.#at() !== "@") return aslist.join("");
    aslist.push("@");
    this.pos++;
    this.gotonext();
    const domain = this.getdomain();
    if (domain === "") return "";
    return aslist.join("") + domain;
  }

  getdomain(): string {
    const sdlist: string[] = [];
    while (this.pos < this.field.length) {
      const c = this.#at();
      if (LWS.includes(c)) this.pos++;
      else if (c === "(") this.commentlist.push(this.getcomment());
      else if (c === "[") sdlist.push(this.getdomainliteral());
      else if (c === ".") {
        this.pos++;
        sdlist.push(".");
      } else if (c === "@") return "";
      else if (ATOMENDS.includes(c)) break;
      else sdlist.push(this.getatom());
    }
    return sdlist.join("");
  }

  getdelimited(beginchar: string, endchars: string, allowcomments: boolean): string {
    if (this.#at() !== beginchar) return "";
    let out = "";
    let quoted = false;
    this.pos++;
    while (this.pos < this.field.length) {
      const c = this.#at();
      if (quoted) {
        out += c;
        quoted = false;
      } else if (endchars.includes(c)) {
        this.pos++;
        break;
      } else if (allowcomments && c === "(") {
        out += this.getcomment();
        continue;
      } else if (c === "\\") {
        quoted = true;
      } else {
        out += c;
      }
      this.pos++;
    }
    return out;
  }

  getquote(): string {
    return this.getdelimited('"', '"\r', false);
  }

  getcomment(): string {
    return this.getdelimited("(", ")\r", true);
  }

  getdomainliteral(): string {
    return `[${this.getdelimited("[", "]\r", false)}]`;
  }

  getatom(atomends = ATOMENDS): string {
    const start = this.pos;
    while (this.pos < this.field.length && !atomends.includes(this.#at())) this.pos++;
    return this.field.slice(start, this.pos);
  }

  getphraselist(): string[] {
    const plist: string[] = [];
    while (this.pos < this.field.length) {
      const c = this.#at();
      if (FWS.includes(c)) this.pos++;
      else if (c === '"') plist.push(this.getquote());
      else if (c === "(") this.commentlist.push(this.getcomment());
      else if (PHRASEENDS.includes(c)) break;
      else plist.push(this.getatom(PHRASEENDS));
    }
    return plist;
  }
}

/**
 * Python's `email.utils.getaddresses`: every `[realname, email]` in the
 * given header values (joined with ", " first, as Python does).
 *
 * @example
 * ```ts
 * getaddresses(["a@b, Foo <c@d>"]); // [["", "a@b"], ["Foo", "c@d"]]
 * ```
 */
export function getaddresses(fieldvalues: readonly string[]): ParsedAddress[] {
  const all = fieldvalues.join(", ");
  if (all === "") return [];
  return new AddrlistParser(all).getaddrlist();
}

/**
 * Python's `email.utils.parseaddr`: the first `[realname, email]` of a
 * header value, `["", ""]` when nothing parses.
 *
 * @example
 * ```ts
 * parseaddr("Foo Bar <foo@example.org>"); // ["Foo Bar", "foo@example.org"]
 * ```
 */
export function parseaddr(addr: string): ParsedAddress {
  const addrs = getaddresses([addr]);
  return addrs[0] ?? ["", ""];
}
