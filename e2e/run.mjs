// kb's browser tests: a kb built from the tree serves a git copy of the
// example knowledge base on a random port; playwright-core drives Debian's
// chromium through the pages a reader uses, and axe-core checks them.
//
//   node run.mjs [path/to/kb]      (make e2e-browser builds kb first)
//
// CHROMIUM overrides /usr/bin/chromium; KB_E2E_SHOTS=dir keeps screenshots.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, cpSync, rmSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..");
const kbBin = resolve(process.argv[2] || join(repo, "bin", "kb"));
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const shots = process.env.KB_E2E_SHOTS || "";
const started = Date.now();

// ---- a git copy of the example, with a second commit for history ----
const tmp = mkdtempSync(join(tmpdir(), "kb-e2e-"));
const contentDir = join(tmp, "content");
cpSync(join(repo, "example", "kb"), contentDir, { recursive: true });
const git = (...args) => execFileSync("git", args, { cwd: contentDir, stdio: "pipe" }).toString().trim();
const gitEnv = ["-c", "user.name=kb e2e", "-c", "user.email=e2e@example.com"];
git("init", "-q", "-b", "main");
git("add", "-A");
git(...gitEnv, "commit", "-q", "-m", "example knowledge base");
const edited = join(contentDir, "runbooks", "etcd", "high-fsync-durations.md");
writeFileSync(edited, readFileSync(edited, "utf8").replace("Stop the noisy neighbour", "First stop the noisy neighbour"));
git(...gitEnv, "commit", "-q", "-am", "etcd fsync: say which step comes first");
const head = git("rev-parse", "HEAD");

// ---- kb serve on 127.0.0.1:0; the address comes from its "serving" log line ----
const kb = spawn(kbBin, ["serve", "--content", contentDir, "--data", join(tmp, "data"), "--addr", "127.0.0.1:0", "--log-format", "json",
  // Proxy sign-in from loopback, so that the axe pass can read /reports/audit
  // as a member of the admin group; the example has no read rules, so every
  // other page reads as before.
  "--auth", "proxy", "--auth-proxy-trusted", "127.0.0.1/32,::1/128", "--admin-group", "kb-admins"], {
  stdio: ["ignore", "ignore", "pipe"],
});
let kbLog = "";
const base = await new Promise((ok, fail) => {
  const timer = setTimeout(() => fail(new Error("kb did not start within 60 s:\n" + kbLog)), 60000);
  kb.on("exit", (code) => fail(new Error("kb exited with " + code + ":\n" + kbLog)));
  kb.stderr.on("data", (d) => {
    kbLog += d;
    for (const line of kbLog.split("\n")) {
      try {
        const rec = JSON.parse(line);
        if (rec.msg === "serving" && rec.addr) {
          clearTimeout(timer);
          ok(rec.addr);
        }
      } catch { /* a partial line */ }
    }
  });
});
for (const deadline = Date.now() + 60000; ; ) {
  const r = await fetch(base + "/readyz").catch(() => null);
  if (r && r.ok) break;
  if (Date.now() > deadline) throw new Error("kb not ready within 60 s");
  await new Promise((r) => setTimeout(r, 200));
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
const desktop = { viewport: { width: 1280, height: 900 } };
const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

// ---- a small harness: each case passes, fails or skips with a reason ----
const results = [];
class Skip extends Error {}
async function test(name, fn) {
  const t0 = Date.now();
  const ctx = await browser.newContext(desktop);
  try {
    await fn(ctx);
    results.push({ name, status: "ok" });
    console.log(`ok    ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    if (e instanceof Skip) {
      results.push({ name, status: "skip" });
      console.log(`skip  ${name}: ${e.message}`);
    } else {
      results.push({ name, status: "FAIL" });
      console.log(`FAIL  ${name}: ${e.stack || e}`);
    }
  } finally {
    await ctx.close();
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

await test("typing a search shows results and opens one at its section", async (ctx) => {
  const page = await ctx.newPage();
  await page.goto(base + "/");
  await page.locator("#q").pressSequentially("fsync", { delay: 30 });
  const first = page.locator("#live-results .live-item a").first();
  await first.waitFor({ timeout: 15000 });
  // On a loaded machine keys can come further apart than the dropdown's
  // 120 ms pause, so it may show the answer to "f" or "fs" first: wait for
  // the answer to the whole word, whose best hit names a section.
  await page
    .waitForFunction(() => {
      const a = document.querySelector("#live-results .live-item a");
      return a && a.getAttribute("href").includes("#");
    }, null, { timeout: 15000 })
    .catch(() => {});
  const href = await first.getAttribute("href");
  assert(href.includes("#"), "the first result links to a section: " + href);
  await first.click();
  await page.waitForURL((u) => u.hash.length > 1, { timeout: 15000 });
  const id = decodeURIComponent(new URL(page.url()).hash.slice(1));
  const target = page.locator(`[id="${id}"]`);
  assert((await target.count()) === 1, "the section " + id + " exists on the page");
  await page.waitForFunction((i) => {
    const r = document.getElementById(i).getBoundingClientRect();
    return r.top >= -2 && r.top < window.innerHeight;
  }, id, { timeout: 15000 });
  // The beacon told kb which result the query led to.
  for (const deadline = Date.now() + 15000; ; ) {
    const rep = await (await fetch(base + "/reports/search?format=json")).json();
    const st = (rep.top || []).find((s) => s.query === "fsync");
    if (st && st.opened >= 1) break;
    assert(Date.now() < deadline, "/reports/search counts the opened result: " + JSON.stringify(rep));
    await new Promise((r) => setTimeout(r, 200));
  }
});

await test("a search without results offers the kb new command and shows on /reports/search", async (ctx) => {
  const page = await ctx.newPage();
  await page.goto(base + "/search?q=" + encodeURIComponent("zzqxv wqpfk"));
  const cmd = page.locator(".write-runbook .new-cmd");
  await cmd.waitFor({ timeout: 10000 });
  assert((await cmd.textContent()).startsWith("kb new runbook 'zzqxv wqpfk'"), "the command holds the query");
  await page.goto(base + "/reports/search");
  const zero = page.locator("section[aria-labelledby=zero-h]");
  assert((await zero.textContent()).includes("zzqxv wqpfk"), "the report lists the query without results");
});

await test("a checklist in a loose list is ticked and still ticked after reload", async (ctx) => {
  const page = await ctx.newPage();
  let url = "";
  for (const p of ["/runbooks/etcd/high-fsync-durations", "/runbooks/disk/node-disk-filling", "/runbooks/redis/memory-high"]) {
    await page.goto(base + p);
    if ((await page.locator(".prose li.task-list-item > p > input.task-check").count()) > 0) {
      url = p;
      break;
    }
  }
  assert(url, "one of the runbooks has a loose task list (box inside <p>)");
  const box = page.locator(".prose li.task-list-item > p > input.task-check").first();
  assert(!(await box.isDisabled()), "the box is enabled");
  const label = await box.getAttribute("aria-label");
  assert(label && label.length > "Done: ".length, "the box is labelled: " + label);
  await box.check();
  await page.locator(".checklist-count").filter({ hasText: "1 of" }).waitFor({ timeout: 10000 });
  await page.reload();
  const again = page.locator(".prose li.task-list-item > p > input.task-check").first();
  await page.waitForFunction(() => document.querySelector(".prose li.task-list-item > p > input.task-check").checked, null, { timeout: 10000 });
  assert(await again.isChecked(), "ticked after reload on " + url);
  assert((await page.locator(".prose li.task-list-item.done").count()) === 1, "exactly one item is marked done");
});

await test("the navigation drawer opens on a phone", async () => {
  const ctx = await browser.newContext(phone);
  try {
    const page = await ctx.newPage();
    await page.goto(base + "/runbooks/etcd/high-fsync-durations");
    const tree = page.locator("#nav-drawer .nav-tree");
    assert(!(await tree.isVisible()), "the tree is folded away on a phone until asked for");
    await page.locator("#nav-drawer > summary").click();
    await tree.waitFor({ state: "visible", timeout: 10000 });
    assert((await page.locator("#nav-drawer").getAttribute("open")) !== null, "the drawer is open");
    const current = page.locator('#nav-drawer a[aria-current="page"]');
    assert((await current.count()) === 1, "the current page is marked in the tree");
    assert(await current.isVisible(), "the current page is in view in the open drawer");
  } finally {
    await ctx.close();
  }
});

await test("dark mode toggle is remembered", async (ctx) => {
  const page = await ctx.newPage();
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto(base + "/");
  const scheme = () => page.evaluate(() => document.documentElement.getAttribute("data-theme"));
  await page.locator("#theme-toggle").click();
  assert((await scheme()) === "dark", "dark after one click");
  await page.goto(base + "/articles/operations/deploying-kb");
  assert((await scheme()) === "dark", "still dark on the next page");
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.locator("#theme-toggle").click();
  await page.reload();
  assert((await scheme()) === "light", "light again after the second click and a reload");
  assert(bg !== (await page.evaluate(() => getComputedStyle(document.body).backgroundColor)), "the colours change");
});

await test("Ctrl+K and / focus the search box", async (ctx) => {
  const page = await ctx.newPage();
  await page.goto(base + "/articles/operations/deploying-kb");
  const focused = () => page.evaluate(() => document.activeElement && document.activeElement.id);
  await page.keyboard.press("Control+k");
  assert((await focused()) === "q", "Ctrl+K focuses #q");
  await page.keyboard.press("Escape");
  assert((await focused()) !== "q", "Escape leaves the box");
  await page.keyboard.press("/");
  assert((await focused()) === "q", "/ focuses #q");
  assert((await page.locator("#q").inputValue()) === "", "/ is not typed into the box");
});

// ---- axe-core: no critical or serious violation on the pages a reader sees ----
const axePages = [
  ["home", "/"],
  ["article", "/articles/operations/deploying-kb"],
  ["runbook in incident mode", "/runbooks/etcd/high-fsync-durations?mode=incident"],
  ["search results", "/search?q=etcd"],
  ["search without results", "/search?q=zzqxv"],
  ["report", "/reports/coverage"],
  ["reports", "/reports"],
  ["search report", "/reports/search"],
  ["audit trail", "/reports/audit"],
  ["history", "/runbooks/etcd/high-fsync-durations/history"],
  ["history diff", "/runbooks/etcd/high-fsync-durations/history/" + head],
  ["404", "/no-such-page"],
];
const axeSummary = [];
for (const [scheme, size] of [["light", desktop], ["dark", desktop], ["light", phone], ["dark", phone]]) {
  const w = size.viewport.width;
  await test(`axe: ${scheme} at ${w} px`, async () => {
    // axe is injected as an inline script, which kb's CSP rightly refuses.
    const ctx = await browser.newContext({ ...size, colorScheme: scheme, bypassCSP: true });
    // As an admin behind the proxy, for /reports/audit (404 to anyone else).
    await ctx.setExtraHTTPHeaders({ "X-Forwarded-User": "e2e-admin", "X-Forwarded-Groups": "kb-admins" });
    const problems = [];
    try {
      const page = await ctx.newPage();
      for (const [name, p] of axePages) {
        const resp = await page.goto(base + p);
        if (name === "search report" && resp.status() === 404) continue; // not on this branch yet
        assert(resp.status() === (name === "404" ? 404 : 200), `${p} answers ${resp.status()}`);
        await page.addScriptTag({ content: axeSource });
        const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
        for (const v of res.violations) {
          axeSummary.push({ scheme, width: w, page: name, id: v.id, impact: v.impact, nodes: v.nodes.length });
          if (v.impact === "critical" || v.impact === "serious") {
            problems.push(`${name} (${p}): ${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
          }
        }
        if (shots) {
          mkdirSync(shots, { recursive: true });
          await page.screenshot({ path: join(shots, `${name.replace(/\W+/g, "-")}-${scheme}-${w}.png`), fullPage: false });
        }
      }
    } finally {
      await ctx.close();
    }
    assert(problems.length === 0, problems.length + " critical or serious violations:\n  " + problems.join("\n  "));
  });
}

await browser.close();
kb.kill("SIGTERM");
await new Promise((r) => (kb.exitCode !== null ? r() : kb.on("exit", r)));
rmSync(tmp, { recursive: true, force: true });

const minor = axeSummary.filter((v) => v.impact !== "critical" && v.impact !== "serious");
const byId = {};
for (const v of minor) (byId[`${v.impact} ${v.id}`] ||= new Set()).add(v.page);
for (const [k, pages] of Object.entries(byId)) console.log(`axe, ${k} on: ${[...pages].join(", ")}`);
const failed = results.filter((r) => r.status === "FAIL").length;
const skipped = results.filter((r) => r.status === "skip").length;
console.log(`${results.length - failed - skipped} passed, ${failed} failed, ${skipped} skipped in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
