/**
 * Python's proxy discovery on Unix: `getproxies()` reads the `*_proxy`
 * environment variables (lower case wins), `proxy_bypass(host)` applies `no_proxy`.
 * @module
 */
import { _splitport } from "./_splitters.js";

/**
 * The proxies named by `<scheme>_proxy` variables, as Python's
 * `getproxies_environment()`: `{ http: "http://proxy:3128", no: "localhost" }`.
 *
 * @example
 * ```ts
 * process.env.http_proxy = "http://proxy:3128";
 * getproxies(); // { http: "http://proxy:3128" }
 * ```
 */
export function getproxies_environment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const proxies: Record<string, string> = Object.create(null) as Record<string, string>;
  // only the names are listed: reading every value of process.env costs a call into node each
  const names = Object.keys(env).filter((n) => n.length >= 6 && n.toLowerCase().endsWith("_proxy"));
  for (const rawName of names) {
    const value = env[rawName];
    if (value) proxies[rawName.toLowerCase().slice(0, -6)] = value;
  }
  // CVE-2016-1000110: under CGI, HTTP_PROXY comes from the client.
  if ("REQUEST_METHOD" in env) Reflect.deleteProperty(proxies, "http");
  for (const rawName of names) {
    if (rawName.endsWith("_proxy")) {
      const name = rawName.toLowerCase().slice(0, -6);
      const value = env[rawName];
      if (value) proxies[name] = value;
      else Reflect.deleteProperty(proxies, name);
    }
  }
  return proxies;
}

/**
 * Python's `getproxies` on Unix: the environment's proxies.
 *
 * @example
 * ```ts
 * getproxies().https; // "http://proxy:3128" when https_proxy is set
 * ```
 */
export const getproxies = getproxies_environment;

/**
 * Whether `host` should not go through a proxy, per `no_proxy`, as Python's
 * `proxy_bypass_environment` (`*`, exact names, and domain suffixes).
 *
 * @example
 * ```ts
 * proxy_bypass_environment("api.internal:8080", { no: ".internal" }); // true
 * ```
 */
export function proxy_bypass_environment(host: string, proxies: Readonly<Record<string, string>> = getproxies_environment()): boolean {
  const noProxy = proxies.no;
  if (noProxy === undefined) return false;
  if (noProxy === "*") return true;
  host = host.toLowerCase();
  const [hostonly] = _splitport(host);
  for (let name of noProxy.split(",")) {
    name = name.trim();
    if (!name) continue;
    name = name.replace(/^\.+/, "").toLowerCase();
    if (hostonly === name || host === name) return true;
    name = "." + name;
    if (hostonly.endsWith(name) || host.endsWith(name)) return true;
  }
  return false;
}

/**
 * Python's `proxy_bypass` on Unix.
 *
 * @example
 * ```ts
 * if (!proxy_bypass("example.org")) useProxy();
 * ```
 */
export function proxy_bypass(host: string): boolean {
  const proxies = getproxies_environment();
  return Object.keys(proxies).length > 0 ? proxy_bypass_environment(host, proxies) : false;
}
