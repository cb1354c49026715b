/**
 * Python's `ftplib.ftpcp`: a file copied from one FTP server straight to
 * another (the target connects to the source's passive port, RFC 959 §5.2).
 * @module
 */
import type { FTP } from "./_ftpclient.js";
import { error_proto } from "./_ftperrors.js";
import { parse227 } from "./_ftpreplies.js";

/**
 * Copies `sourcename` on `source` to `targetname` (default: the same name)
 * on `target` without the data passing through this program: `source` is
 * put in passive mode and `target` told by PORT to connect to it, as
 * Python's `ftpcp`. `type` is the transfer type (`"I"` binary, `"A"` text).
 * A transfer command answered with other than 125 or 150 is `error_proto`
 * carrying that reply (Python's carries nothing).
 *
 * @example
 * ```ts
 * await ftpcp(from, "report.pdf", to);
 * ```
 */
export async function ftpcp(source: FTP, sourcename: string, target: FTP, targetname = "", type = "I"): Promise<void> {
  const name = targetname === "" ? sourcename : targetname;
  await source.voidcmd(`TYPE ${type}`);
  await target.voidcmd(`TYPE ${type}`);
  const [host, port] = parse227(await source.sendcmd("PASV"));
  await target.sendport(host, port);
  // RFC 959: the target must be listening (here: connecting) before the source starts sending
  const treply = await target.sendcmd(`STOR ${name}`);
  if (!/^(?:125|150)/.test(treply)) throw new error_proto(treply);
  const sreply = await source.sendcmd(`RETR ${sourcename}`);
  if (!/^(?:125|150)/.test(sreply)) throw new error_proto(sreply);
  await source.voidresp();
  await target.voidresp();
}
