/**
 * A client process for heap.test.ts: logs in to the server in STDNET_FTP_SERVER
 * (JSON), downloads `big.bin` with retrbinary RETRIES times, and prints the
 * page faults (minor, from /proc/self/stat) each download took, as JSON.
 */
import { FTP } from "stdnet/ftplib";
import { minorFaults } from "../../helpers/processes.js";

const info = JSON.parse(process.env.STDNET_FTP_SERVER ?? "{}") as { host: string; port: number; user: string; password: string };
const ftp = await FTP.open(info.host, info.user, info.password, "", { port: info.port, timeout: 30 });
const faults: number[] = [];
let bytes = 0;
for (let i = 0; i < Number(process.env.RETRIES ?? 5); i++) {
  const before = minorFaults();
  await ftp.retrbinary("RETR big.bin", (b) => {
    bytes += b.length;
  });
  faults.push(minorFaults() - before);
}
await ftp.quit();
console.log(JSON.stringify({ faults, bytes }));
