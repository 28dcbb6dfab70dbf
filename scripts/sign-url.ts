// `npm run sign-url -- <url> [--expires-in <seconds>]`: prints the URL signed with
// URL_SIGNING_KEY from the environment (its last line), as src/middleware/signed-url/ signs.

import { MIN_URL_SIGNING_KEY_LENGTH } from "../src/middleware/access-config.js";
import { signUrl } from "../src/middleware/signed-url/index.js";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf("--expires-in");
  const expiresIn = at < 0 ? undefined : Number(args[at + 1]);
  const urls = args.filter((_, i) => at < 0 || (i !== at && i !== at + 1));
  const key = process.env.URL_SIGNING_KEY ?? "";
  const [url] = urls;
  if (url === undefined || urls.length !== 1 || (expiresIn !== undefined && !(expiresIn > 0))) {
    process.stderr.write("usage: URL_SIGNING_KEY=... npm run sign-url -- <url> [--expires-in <seconds>]\n");
    process.exit(2);
  }
  if (key.length < MIN_URL_SIGNING_KEY_LENGTH) {
    process.stderr.write(`URL_SIGNING_KEY must be set, at least ${MIN_URL_SIGNING_KEY_LENGTH} characters\n`);
    process.exit(2);
  }
  const expiresAt = expiresIn === undefined ? undefined : Math.floor(Date.now() / 1000) + expiresIn;
  process.stdout.write(`${await signUrl(url, key, expiresAt === undefined ? {} : { expiresAt })}\n`);
}

await main();
