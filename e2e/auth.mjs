// Sign-in end to end: a real Dex (static passwords carrying groups) and a real
// oauth2-proxy on loopback, kb built from the tree with read rules
// (security/** for sre, the rest for employees), headless chromium signing in
// through Dex's login form. Checked once with `kb serve --auth oidc` against
// Dex and once with `--auth proxy` behind oauth2-proxy signing in through the
// same Dex: the sre user reads the security runbook and finds it in search;
// the employees user gets 404 and no hit, snippet, suggestion or facet count.
//
//   node auth.mjs path/to/kb path/to/dex path/to/oauth2-proxy
//
// (make e2e-auth builds or installs all three first.) CHROMIUM overrides
// /usr/bin/chromium.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { chromium } from "playwright-core";

const [kbBin, dexBin, proxyBin] = process.argv.slice(2, 5).map((p) => resolve(p));
if (!kbBin || !dexBin || !proxyBin) {
  console.error("usage: node auth.mjs KB DEX OAUTH2_PROXY");
  process.exit(2);
}
const started = Date.now();
const tmp = mkdtempSync(join(tmpdir(), "kb-e2e-auth-"));
const children = [];
const logs = {};

// The secret runbook's words appear nowhere else, so any hit, snippet,
// suggestion or facet built from them can only come from that article.
const SECRET_WORD = "quokkaroth";
const SECRET_PATH = "/security/rotate-signing-keys";
const OPEN_PATH = "/runbooks/disk-full";

// ---- content: one open runbook, one for sre only ----
const content = join(tmp, "content");
mkdirSync(join(content, "security"), { recursive: true });
mkdirSync(join(content, "runbooks"), { recursive: true });
writeFileSync(join(content, "kb.yaml"), `title: kb sign-in e2e
access:
  - {path: "security/**", groups: [sre]}
  - {path: "**", groups: [employees]}
`);
writeFileSync(join(content, "security", "rotate-signing-keys.md"), `---
title: Rotate the ${SECRET_WORD} signing keys
summary: Rotate the ${SECRET_WORD} token signing keys after a leak.
type: runbook
service: ${SECRET_WORD}vault
tags: [${SECRET_WORD}tag]
---
# Rotate the ${SECRET_WORD} signing keys

Generate a new ${SECRET_WORD} key, publish it, then retire the old one.
`);
writeFileSync(join(content, "runbooks", "disk-full.md"), `---
title: Disk full on a node
summary: A node's root disk is full; find and remove what filled it.
type: runbook
service: storage
tags: [disk]
---
# Disk full on a node

Find the largest folders with du and remove old logs.
`);

async function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function start(name, bin, args, env = {}) {
  logs[name] = "";
  const p = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  p.stdout.on("data", (d) => (logs[name] += d));
  p.stderr.on("data", (d) => (logs[name] += d));
  p.on("exit", (code) => (logs[name] += `\n[exited ${code}]\n`));
  children.push(p);
  return p;
}

async function waitFor(name, url, ok = (r) => r.ok) {
  for (const deadline = Date.now() + 90000; ; ) {
    const r = await fetch(url, { redirect: "manual" }).catch(() => null);
    if (r && ok(r)) return;
    if (Date.now() > deadline) throw new Error(`${name} not ready at ${url} within 90 s:\n${logs[name]}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const dexPort = await freePort();
const kbOidcPort = await freePort();
const kbProxyPort = await freePort();
const proxyPort = await freePort();
const issuer = `http://127.0.0.1:${dexPort}/dex`;
const clientSecret = randomBytes(16).toString("hex");

// ---- Dex: static passwords with groups (delivered in the ID token for the
// "groups" scope). The hash is bcrypt("password"), Dex's own example. ----
const hash = "$2a$10$2b2cU8CPhOTaGrs1HRQuAueS7JTT5ZHsHSzYiFPm1leZck7Mc8T4W";
writeFileSync(join(tmp, "dex.yaml"), `issuer: ${issuer}
storage: {type: memory}
web: {http: 127.0.0.1:${dexPort}}
oauth2: {skipApprovalScreen: true}
enablePasswordDB: true
staticClients:
  - id: kb
    secret: ${clientSecret}
    name: kb
    redirectURIs:
      - http://127.0.0.1:${kbOidcPort}/auth/callback
      - http://127.0.0.1:${proxyPort}/oauth2/callback
staticPasswords:
  - {email: sre@example.com, username: sre, userID: "1a1e5a9e-0000-4000-8000-000000000001", hash: "${hash}", groups: [sre]}
  - {email: employee@example.com, username: employee, userID: "1a1e5a9e-0000-4000-8000-000000000002", hash: "${hash}", groups: [employees]}
`);
start("dex", dexBin, ["serve", join(tmp, "dex.yaml")]);
await waitFor("dex", issuer + "/.well-known/openid-configuration");

// ---- kb with OIDC sign-in against Dex ----
start("kb-oidc", kbBin, ["serve", "--content", content, "--data", join(tmp, "data-oidc"), "--addr", `127.0.0.1:${kbOidcPort}`,
  "--auth", "oidc", "--oidc-issuer", issuer, "--oidc-client-id", "kb",
  "--oidc-redirect-url", `http://127.0.0.1:${kbOidcPort}/auth/callback`, "--oidc-scopes", "groups"],
{ KB_SESSION_KEY: randomBytes(32).toString("base64"), KB_OIDC_CLIENT_SECRET: clientSecret });

// ---- kb behind oauth2-proxy, which signs in through the same Dex ----
start("kb-proxy", kbBin, ["serve", "--content", content, "--data", join(tmp, "data-proxy"), "--addr", `127.0.0.1:${kbProxyPort}`,
  "--auth", "proxy", "--auth-proxy-trusted", "127.0.0.1/32"]);
start("oauth2-proxy", proxyBin, ["--http-address", `127.0.0.1:${proxyPort}`, "--upstream", `http://127.0.0.1:${kbProxyPort}`,
  "--provider", "oidc", "--oidc-issuer-url", issuer, "--client-id", "kb", "--client-secret", clientSecret,
  "--cookie-secret", randomBytes(16).toString("hex"), "--cookie-secure=false", "--email-domain", "*",
  "--scope", "openid email profile groups", "--oidc-groups-claim", "groups",
  // approval-prompt defaults to "force", which makes Dex show its approval
  // screen despite skipApprovalScreen.
  "--pass-user-headers", "--skip-provider-button", "--approval-prompt", "auto",
  "--redirect-url", `http://127.0.0.1:${proxyPort}/oauth2/callback`]);

// Search is ready once the index holds both articles (readyz answers 200).
await waitFor("kb-oidc", `http://127.0.0.1:${kbOidcPort}/readyz`);
await waitFor("kb-proxy", `http://127.0.0.1:${kbProxyPort}/readyz`);
await waitFor("oauth2-proxy", `http://127.0.0.1:${proxyPort}/ping`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});

const results = [];
async function test(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true, ms: Date.now() - t0 });
    console.log(`ok    ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL  ${name}\n      ${String(e.stack || e).split("\n").join("\n      ")}`);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

// Signs in through Dex's password form; returns the page, back on kb.
async function signIn(ctx, startURL, user, backTo) {
  const page = await ctx.newPage();
  await page.goto(startURL);
  await page.waitForURL((u) => u.href.startsWith(issuer), { timeout: 30000 });
  await page.fill('input[name="login"]', user);
  await page.fill('input[name="password"]', "password");
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(backTo), { timeout: 30000 }),
    page.click('button[type="submit"]'),
  ]);
  return page;
}

async function checkSre(page, base) {
  const r = await page.goto(base + SECRET_PATH);
  assert(r.status() === 200, `sre: ${SECRET_PATH} is ${r.status()}, want 200`);
  assert((await page.textContent("body")).includes(`Rotate the ${SECRET_WORD} signing keys`), "sre: the runbook's title is on its page");
  await page.goto(base + "/search?q=" + SECRET_WORD);
  assert((await page.locator(`a[href*="${SECRET_PATH}"]`).count()) > 0, "sre: /search lists the security runbook");
  const api = await page.request.get(base + "/api/v1/search?q=" + SECRET_WORD);
  assert(api.status() === 200, "sre: /api/v1/search is " + api.status());
  const body = await api.text();
  assert(body.includes("rotate-signing-keys"), "sre: /api/v1/search finds the runbook: " + body.slice(0, 400));
  const open = await page.goto(base + OPEN_PATH);
  // ** is for employees only, so the sre user (group sre alone) may not read it.
  assert(open.status() === 404, `sre: ${OPEN_PATH} is ${open.status()}, want 404 (** is for employees)`);
}

async function checkEmployee(page, base) {
  const open = await page.goto(base + OPEN_PATH);
  assert(open.status() === 200, `employee: ${OPEN_PATH} is ${open.status()}, want 200 (signed in as an employee)`);
  const r = await page.goto(base + SECRET_PATH);
  assert(r.status() === 404, `employee: ${SECRET_PATH} is ${r.status()}, want 404`);
  assert(!(await page.content()).includes(SECRET_WORD), "employee: the 404 page says nothing of the runbook");
  await page.goto(base + "/search?q=" + SECRET_WORD);
  const html = await page.content();
  // The query is echoed in the search box and the "no results" text, so look
  // for what only the article could give: its link, title, service and tag.
  assert(!html.includes("rotate-signing-keys"), "employee: /search links the security runbook");
  assert(!html.includes(`Rotate the ${SECRET_WORD}`), "employee: /search shows its title or snippet");
  assert(!html.includes(SECRET_WORD + "vault") && !html.includes(SECRET_WORD + "tag"), "employee: /search shows its service or tag as a facet");
  const api = await page.request.get(base + "/api/v1/search?q=" + SECRET_WORD);
  assert(api.status() === 200, "employee: /api/v1/search is " + api.status());
  const body = await api.text();
  assert(!body.includes("rotate-signing-keys") && !body.includes(SECRET_WORD + "vault") && !body.includes(SECRET_WORD + "tag"),
    "employee: /api/v1/search tells of the runbook: " + body.slice(0, 400));
  const json = JSON.parse(body);
  assert((json.total ?? 0) === 0, "employee: /api/v1/search total is " + json.total);
  // Facets of a search for everything: neither the service nor the tag counts.
  const all = await (await page.request.get(base + "/api/v1/search?q=rotate")).text();
  assert(!all.includes(SECRET_WORD), "employee: search for 'rotate' tells of the runbook: " + all.slice(0, 400));
  const sug = await (await page.request.get(base + "/api/v1/suggest?q=" + SECRET_WORD.slice(0, 5))).text();
  assert(!sug.includes(SECRET_WORD), "employee: /api/v1/suggest suggests it: " + sug);
}

const oidcBase = `http://127.0.0.1:${kbOidcPort}`;
const proxyBase = `http://127.0.0.1:${proxyPort}`;
for (const [mode, base, loginURL] of [
  ["oidc", oidcBase, oidcBase + "/auth/login?next=" + encodeURIComponent(SECRET_PATH)],
  ["proxy", proxyBase, proxyBase + SECRET_PATH],
]) {
  await test(`${mode}: sre signs in through Dex, reads the security runbook and finds it`, async () => {
    const ctx = await browser.newContext();
    try {
      const page = await signIn(ctx, loginURL, "sre@example.com", base);
      await checkSre(page, base);
    } finally {
      await ctx.close();
    }
  });
  await test(`${mode}: employee signs in through Dex, gets 404 and no hit, snippet, suggestion or facet`, async () => {
    const ctx = await browser.newContext();
    try {
      const page = await signIn(ctx, loginURL, "employee@example.com", base);
      await checkEmployee(page, base);
    } finally {
      await ctx.close();
    }
  });
}
await test("anonymous: oauth2-proxy sends to sign-in, kb (oidc) does not show the runbook", async () => {
  // Without a sign-in oauth2-proxy sends the browser to Dex, never to kb.
  const r = await fetch(proxyBase + SECRET_PATH, { redirect: "manual" });
  assert(r.status >= 300 && r.status < 400 || r.status === 403, "oauth2-proxy lets an anonymous request through: " + r.status);
  const anon = await fetch(oidcBase + SECRET_PATH, { redirect: "manual" });
  assert(anon.status === 404 || (anon.status >= 300 && anon.status < 400), "kb (oidc) shows the runbook to an anonymous reader: " + anon.status);
});

await browser.close();
for (const p of children) p.kill("SIGTERM");
const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length} passed, ${failed.length} failed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (failed.length) {
  for (const [name, log] of Object.entries(logs)) console.log(`---- ${name} log (last 3000 chars) ----\n${log.slice(-3000)}`);
  process.exitCode = 1;
} else {
  rmSync(tmp, { recursive: true, force: true });
}
