/**
 * The mail transaction of `sendmail` — MAIL, RCPT for each recipient, DATA,
 * the message — with Python's rules for refusals (a refused sender ends it
 * with RSET and SMTPSenderRefused, refused recipients are collected and only
 * all of them refused is an error, 421 closes), sent step by step as Python
 * does or, when the server announces PIPELINING, as one batch.
 * @module
 */
import type { SMTPEngine, SMTPReply } from "./_smtpengine.js";
import { SMTPDataError, SMTPRecipientsRefused, SMTPSenderRefused, SMTPServerDisconnected, type RefusedRecipients } from "./_smtperrors.js";

/**
 * What a transaction needs of the SMTP object that runs it.
 *
 * @example
 * ```ts
 * await sendStepwise(session, "a@example.org", ["b@example.org"], bytes, "mail FROM:<a@example.org>", ["rcpt TO:<b@example.org>"]);
 * ```
 */
export interface TransactionSession {
  /** Sends one checked command line and reads its reply. */
  command(line: string): Promise<SMTPReply>;
  /** The open connection, or SMTPServerDisconnected. */
  liveEngine(): SMTPEngine;
  /** Sends the message data and reads `replies` replies. */
  sendData(bytes: Uint8Array, replies: number): Promise<SMTPReply[]>;
  /** RSET, ignoring a lost connection. */
  quietRset(): Promise<void>;
  /** Closes the connection. */
  close(): void;
  /** Whether this is LMTP (a reply per recipient after the data). */
  lmtp: boolean;
}

/**
 * The transaction one command at a time, as Python's sendmail.
 *
 * @example
 * ```ts
 * const refused = await sendStepwise(session, from, recipients, bytes, mailLine, rcptLines);
 * ```
 */
export async function sendStepwise(s: TransactionSession, from_addr: string, recipients: string[], bytes: Uint8Array, mailLine: string, rcptLines: string[]): Promise<RefusedRecipients> {
  const [code, resp] = await s.command(mailLine);
  if (code !== 250) {
    if (code === 421) s.close();
    else await s.quietRset();
    throw new SMTPSenderRefused(code, resp, from_addr);
  }
  const senderrs: RefusedRecipients = {};
  const accepted: string[] = [];
  for (const [i, each] of recipients.entries()) {
    const [rcode, rresp] = await s.command(rcptLines[i] ?? "");
    if (rcode !== 250 && rcode !== 251) senderrs[each] = [rcode, rresp];
    else accepted.push(each);
    if (rcode === 421) {
      s.close();
      throw new SMTPRecipientsRefused(senderrs);
    }
  }
  if (Object.keys(senderrs).length === recipients.length) {
    await s.quietRset();
    throw new SMTPRecipientsRefused(senderrs);
  }
  const [dcode, drepl] = await s.command("data");
  if (dcode !== 354) throw new SMTPDataError(dcode, drepl);
  return finishData(s, bytes, accepted, senderrs);
}

/**
 * The transaction with MAIL, every RCPT and DATA sent in one write (PIPELINING).
 *
 * @example
 * ```ts
 * const refused = await sendPipelined(session, from, recipients, bytes, mailLine, rcptLines);
 * ```
 */
export async function sendPipelined(s: TransactionSession, from_addr: string, recipients: string[], bytes: Uint8Array, mailLine: string, rcptLines: string[]): Promise<RefusedRecipients> {
  const engine = s.liveEngine();
  const replies = engine.pipeline([mailLine, ...rcptLines, "data"]);
  const read = async (i: number): Promise<SMTPReply> => {
    try {
      return await (replies[i] as Promise<SMTPReply>);
    } catch (e) {
      if (e instanceof SMTPServerDisconnected) s.close();
      throw e;
    }
  };
  const [code, resp] = await read(0);
  if (code !== 250) {
    if (code === 421) s.close();
    else {
      // The RCPTs and DATA went along; a server that still took DATA cannot be trusted with the session.
      const dataReply = await Promise.allSettled(replies.slice(1)).then((r) => r[r.length - 1]);
      if (dataReply?.status === "fulfilled" && dataReply.value[0] === 354) s.close();
      else await s.quietRset();
    }
    throw new SMTPSenderRefused(code, resp, from_addr);
  }
  const senderrs: RefusedRecipients = {};
  const accepted: string[] = [];
  for (const [i, each] of recipients.entries()) {
    const [rcode, rresp] = await read(i + 1);
    if (rcode !== 250 && rcode !== 251) senderrs[each] = [rcode, rresp];
    else accepted.push(each);
    if (rcode === 421) {
      s.close();
      throw new SMTPRecipientsRefused(senderrs);
    }
  }
  const [dcode, drepl] = await read(recipients.length + 1);
  if (Object.keys(senderrs).length === recipients.length) {
    if (dcode === 354) s.close();
    else await s.quietRset();
    throw new SMTPRecipientsRefused(senderrs);
  }
  if (dcode !== 354) throw new SMTPDataError(dcode, drepl);
  return finishData(s, bytes, accepted, senderrs);
}

/** After a 354: streams the message and reads the verdict (one per recipient for LMTP). */
async function finishData(s: TransactionSession, bytes: Uint8Array, accepted: string[], senderrs: RefusedRecipients): Promise<RefusedRecipients> {
  const replies = await s.sendData(bytes, s.lmtp ? accepted.length : 1);
  if (s.lmtp) {
    let firstFailure: SMTPReply | undefined;
    replies.forEach((reply, i) => {
      if (reply[0] !== 250) {
        senderrs[accepted[i] ?? ""] = reply;
        firstFailure ??= reply;
      }
    });
    if (firstFailure !== undefined && replies.every((r) => r[0] !== 250)) {
      await s.quietRset();
      throw new SMTPDataError(firstFailure[0], firstFailure[1]);
    }
    return senderrs;
  }
  const [code, resp] = replies[0] ?? [-1, Buffer.alloc(0)];
  if (code !== 250) {
    if (code === 421) s.close();
    else await s.quietRset();
    throw new SMTPDataError(code, resp);
  }
  return senderrs;
}
