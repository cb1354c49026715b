import { describe, expect, it } from "vitest";
import {
  gethostname,
  gethostbyname,
  gethostbyname_ex,
  gethostbyaddr,
  getfqdn,
  getaddrinfo,
  getnameinfo,
  getservbyname,
  getservbyport,
  gaierror,
  herror,
  OSError,
  OverflowError,
  AF_INET,
  SOCK_STREAM,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  AI_PASSIVE,
} from "stdnet/socket";
import { pythonJson } from "../helpers/python.js";

interface PyNames {
  hostname: string;
  byname: string;
  byname_ex: [string, string[], string[]];
  byaddr: [string, string[], string[]];
  fqdn_local: string;
  ai_localhost: [number, number, number, string, [string, number]][];
  ai_numeric: [number, number, number, string, [string, number]][];
  ai_passive: [number, number, number, string, [string, number]][];
  nameinfo: [string, string];
  nameinfo_numeric: [string, string];
  services: (number | string)[];
  bad_service: string;
  bad_port: string;
}

describe("name lookup, against python3 on this machine", () => {
  const py = pythonJson<PyNames>(`
import socket, json
def ai(*a):
    return [[int(f), int(t), p, c, list(s)] for f, t, p, c, s in socket.getaddrinfo(*a)]
out = {
  "hostname": socket.gethostname(),
  "byname": socket.gethostbyname("localhost"),
  "byname_ex": socket.gethostbyname_ex("127.0.0.1"),
  "byaddr": socket.gethostbyaddr("127.0.0.1"),
  "fqdn_local": socket.getfqdn("127.0.0.1"),
  "ai_localhost": ai("localhost", 80, socket.AF_INET),
  "ai_numeric": ai("127.0.0.1", "8080", socket.AF_INET, socket.SOCK_STREAM),
  "ai_passive": ai(None, 0, socket.AF_INET, socket.SOCK_STREAM, 0, socket.AI_PASSIVE),
  "nameinfo": socket.getnameinfo(("127.0.0.1", 80), 0),
  "nameinfo_numeric": socket.getnameinfo(("127.0.0.1", 25), socket.NI_NUMERICHOST | socket.NI_NUMERICSERV),
  "services": [socket.getservbyname("http", "tcp"), socket.getservbyname("smtp"), socket.getservbyport(21), socket.getservbyport(53, "udp")],
}
for key, f in [("bad_service", lambda: socket.getservbyname("no-such-service")), ("bad_port", lambda: socket.getservbyport(65000))]:
    try: f()
    except OSError as e: out[key] = str(e)
print(json.dumps(out))`);

  it("gethostname, gethostbyname, gethostbyname_ex, gethostbyaddr and getfqdn agree with Python", async () => {
    expect(gethostname()).toBe(py.hostname);
    expect(await gethostbyname("localhost")).toBe(py.byname);
    expect(await gethostbyname_ex("127.0.0.1")).toEqual(py.byname_ex);
    expect(await gethostbyaddr("127.0.0.1")).toEqual(py.byaddr);
    expect(await getfqdn("127.0.0.1")).toBe(py.fqdn_local);
  });

  it("getaddrinfo lists the same entries as Python", async () => {
    expect(await getaddrinfo("localhost", 80, AF_INET)).toEqual(py.ai_localhost);
    expect(await getaddrinfo("127.0.0.1", "8080", AF_INET, SOCK_STREAM)).toEqual(py.ai_numeric);
    expect(await getaddrinfo(null, 0, AF_INET, SOCK_STREAM, 0, AI_PASSIVE)).toEqual(py.ai_passive);
  });

  it("getnameinfo names the host and the service", async () => {
    expect(await getnameinfo(["127.0.0.1", 80], 0)).toEqual(py.nameinfo);
    expect(await getnameinfo(["127.0.0.1", 25], NI_NUMERICHOST | NI_NUMERICSERV)).toEqual(py.nameinfo_numeric);
  });

  it("getservbyname and getservbyport read /etc/services as Python does", () => {
    expect([getservbyname("http", "tcp"), getservbyname("smtp"), getservbyport(21), getservbyport(53, "udp")]).toEqual(py.services);
    expect(() => getservbyname("no-such-service")).toThrow(py.bad_service);
    expect(() => getservbyport(65000)).toThrow(py.bad_port);
    expect(() => getservbyport(70000)).toThrow(OverflowError);
  });

  it("an unknown name is gaierror -2, an unnamed address herror 1", async () => {
    const e1 = await gethostbyname("nonexistent.invalid").catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(gaierror);
    expect(e1).toBeInstanceOf(OSError);
    expect(e1).toMatchObject({ errno: -2, strerror: "Name or service not known" });
    await expect(getaddrinfo("nonexistent.invalid", 80)).rejects.toBeInstanceOf(gaierror);
    const e2 = await gethostbyaddr("127.0.0.254").catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(herror);
    expect(e2).toMatchObject({ errno: 1, message: "[Errno 1] Unknown host" });
  });
});
