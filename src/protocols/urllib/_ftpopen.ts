/**
 * Python's `FTPHandler.ftp_open` for `urlopen("ftp://…")`, over `stdnet/ftplib`:
 * log in (anonymous by default), change to the directories of the path,
 * retrieve the file (binary) or list the directory. The body is read whole
 * before the response resolves; no Content-length header is given.
 * @module
 */
import { lookup } from "node:dns/promises";
import { fromNodeError } from "../../sockets/errors.js";
import { repr } from "../../sockets/repr.js";
import { FTP, FTP_PORT } from "../_ftpclient.js";
import { all_errors, error_perm } from "../_ftperrors.js";
import { HTTPMessage } from "../http/_message.js";
import { addinfourl, bufferSource } from "./_addinfourl.js";
import { guess_type } from "./_mimetypes.js";
import { unquote } from "./_quoting.js";
import type { Request } from "./_requestobj.js";
import { _splitpasswd, _splitport, _splituser } from "./_splitters.js";
import { URLError } from "./error.js";

function pyRepr(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return `${e.name}(${repr(e.message)})`;
}

/** Opens an ftp: Request as Python's FTPHandler does. */
export async function ftpOpen(req: Request): Promise<addinfourl> {
  let host = req.host;
  if (!host) throw new URLError("ftp error: no host given");
  const [hostOnly, portText] = _splitport(host);
  host = hostOnly;
  const port = portText === null ? FTP_PORT : Number.parseInt(portText, 10);
  let user: string | null;
  [user, host] = _splituser(host);
  let passwd: string | null = null;
  if (user) [user, passwd] = _splitpasswd(user);
  host = unquote(host);
  let address: string;
  try {
    address = (await lookup(host, { family: 4 })).address;
  } catch (e) {
    throw new URLError(fromNodeError(e));
  }
  const semi = req.selector.indexOf(";");
  const path = semi < 0 ? req.selector : req.selector.slice(0, semi);
  const attrs = semi < 0 ? [] : req.selector.slice(semi + 1).split(";");
  const dirs = path.split("/").map((d) => unquote(d));
  const file = dirs.pop() ?? "";
  if (dirs.length > 0 && dirs[0] === "") dirs.shift();
  let type = file ? "I" : "D";
  for (const attr of attrs) {
    const eq = attr.indexOf("=");
    if (eq >= 0 && attr.slice(0, eq).toLowerCase() === "type" && /^[aAiIdD]$/.test(attr.slice(eq + 1))) type = attr.slice(eq + 1).toUpperCase();
  }
  const ftp = new FTP("", "", "", "", { timeout: req.timeout });
  const chunks: Buffer[] = [];
  const collect = (block: Uint8Array): void => {
    chunks.push(Buffer.from(block));
  };
  try {
    await ftp.connect(address, port, req.timeout);
    await ftp.login(user ?? "", passwd ?? "");
    for (const d of dirs) await ftp.cwd(d);
    // ftpwrapper.retrfile: a file first; on a 550, a directory of that name.
    let done = false;
    if (file && type !== "D") {
      try {
        await ftp.retrbinary(`RETR ${file}`, collect);
        done = true;
      } catch (e) {
        if (!(e instanceof error_perm)) throw e;
        if (!e.message.startsWith("550")) throw new URLError(`ftp error: ${e.message}`);
        chunks.length = 0;
      }
    }
    if (!done) {
      if (file) {
        const pwd = await ftp.pwd();
        try {
          await ftp.cwd(file);
        } catch (e) {
          if (e instanceof error_perm) throw new URLError(`ftp error: ${pyRepr(e)}`);
          throw e;
        } finally {
          await ftp.cwd(pwd);
        }
      }
      await ftp.retrbinary(file ? `LIST ${file}` : "LIST", collect);
    }
    await ftp.quit().catch(() => undefined);
  } catch (e) {
    ftp.close();
    if (all_errors.some((cls) => e instanceof cls)) throw new URLError(e);
    throw e;
  }
  const body = Buffer.concat(chunks);
  const pairs: [string, string][] = [];
  const mtype = guess_type(req.full_url);
  if (mtype !== null) pairs.push(["Content-type", mtype]);
  // Python adds Content-length only from a size in the 150 reply, which
  // ftplib's retrbinary does not surface here; left out, as Python does for servers that omit it.
  return new addinfourl(bufferSource(body), new HTTPMessage(pairs), req.full_url);
}
