// Where webhooks may go: http(s) URLs whose host is not loopback, private, link-local or
// otherwise internal (SSRF), unless WEBHOOK_ALLOW_PRIVATE=true. Checked on the URL at
// POST time and, where the runtime resolves names (Node), on every address at delivery.

import { invalidParam } from "../errors.js";
import { cidrContains, parseCidr, parseIp, type Cidr } from "../middleware/client-ip/address.js";

/** RFC 6890 special-purpose ranges a webhook must not reach. */
const BLOCKED: readonly Cidr[] = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "224.0.0.0/3",
  "::/127",
  "64:ff9b::/96",
  "fc00::/7",
  "fe80::/10",
  "ff00::/8",
].flatMap((text) => {
  const cidr = parseCidr(text);
  return cidr === undefined ? [] : [cidr];
});

export function isPrivateAddress(address: string): boolean {
  const bytes = parseIp(address);
  return bytes === undefined || BLOCKED.some((range) => cidrContains(range, bytes));
}

/** Names that always mean this machine or the local network. */
function isLocalName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return (
    h === "localhost" || h.endsWith(".localhost") || h.endsWith(".local") || h.endsWith(".internal") || !h.includes(".")
  );
}

/** The URL as stored, or invalid_request naming webhook_url. */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidParam("webhook_url", "webhook_url must be an absolute http(s) URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw invalidParam("webhook_url", "webhook_url must be an absolute http(s) URL");
  }
  if (url.username !== "" || url.password !== "") {
    throw invalidParam("webhook_url", "webhook_url must not carry credentials");
  }
  if (!allowPrivate && isInternalHost(url.hostname)) {
    throw invalidParam("webhook_url", "webhook_url must not point to a loopback, private or local address");
  }
  return url.toString();
}

/** A URL hostname (IPv6 in brackets) that names an internal address or a local name. */
export function isInternalHost(hostname: string): boolean {
  const literal = hostname.replace(/^\[(.*)\]$/, "$1");
  if (parseIp(literal) !== undefined) return isPrivateAddress(literal);
  return isLocalName(literal);
}
