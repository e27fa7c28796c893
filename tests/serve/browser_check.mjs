// The dashboard in a real browser (Debian's chromium driven by npm playwright-core; no
// browser download). Run by browser_test.cpp:
//   node browser_check.mjs BASE_URL SCREENSHOT_DIR CLI DB LIVE_CONFIG
// with PLAYWRIGHT_ROOT (the folder holding node_modules/playwright-core) and CHROMIUM set.
// Prints one JSON line of what it saw; exits 1 with the reason on the first failed check.
import { spawn } from 'node:child_process';
import path from 'node:path';

const [base, shots, cli, db, liveConfig] = process.argv.slice(2);
const { chromium } = await import(path.join(process.env.PLAYWRIGHT_ROOT, 'node_modules/playwright-core/index.mjs'));
const seen = {};
function check(ok, what) {
  if (!ok) throw new Error('check failed: ' + what);
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ['--no-sandbox'] });
let writer = null;
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const dialogs = [];
  const consoleErrors = [];
  page.on('dialog', d => { dialogs.push(d.message()); d.dismiss(); });
  page.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', e => consoleErrors.push(String(e)));

  // 1. The list.
  await page.goto(base + '/');
  await page.waitForSelector('#experiments tbody tr');
  seen.experiments = await page.locator('#experiments tbody tr').count();
  seen.list_prompts = await page.locator('#experiments td.prompts').first().textContent();
  check(seen.list_prompts.includes("<script>alert('x')</script>"), 'the <script> prompt shows as text in the list');
  await page.screenshot({ path: path.join(shots, '1_experiments.png'), fullPage: true });

  // 2. An experiment.
  await page.locator('#experiments tbody tr a').first().click();
  await page.waitForSelector('#runs-table tbody tr');
  await page.waitForSelector('#progress');
  seen.run_rows = await page.locator('#runs-table tbody tr').count();
  seen.stop_reasons = await page.locator('#stop-reasons').textContent();
  const prompts = await page.locator('li.prompt').allTextContents();
  check(prompts.some(p => p === "<script>alert('x')</script> a red apple"), 'the config lists the <script> prompt as text: ' + JSON.stringify(prompts));
  // Sorting by length, descending (two clicks), redraws the table.
  await page.locator('th[data-sort="length"]').click();
  await page.locator('th[data-sort="length"].sorted-asc').waitFor();
  await page.locator('th[data-sort="length"]').click();
  await page.locator('th[data-sort="length"].sorted-desc').waitFor();
  await page.screenshot({ path: path.join(shots, '2_experiment.png'), fullPage: true });

  // 3. A run: images load, captions show, the prompt is text.
  await page.locator('#runs-table tbody tr[data-run] a', { hasText: /^0$/ }).first().click()
    .catch(async () => page.locator('#runs-table tbody tr a').first().click());
  await page.waitForSelector('.timeline .step');
  const scriptPromptOnRun = await page.locator('#prompt').textContent();
  seen.run_prompt = scriptPromptOnRun;
  await page.locator('.timeline img').first().scrollIntoViewIfNeeded();
  await page.waitForFunction(() => {
    const img = document.querySelector('.timeline img');
    return img && img.complete && img.naturalWidth > 0;
  });
  seen.images = await page.locator('.timeline img').count();
  seen.captions = await page.locator('.timeline .caption').count();
  seen.first_caption = await page.locator('.timeline .caption').first().textContent();
  check(seen.images > 0 && seen.captions > 0 && seen.first_caption.length > 0, 'images and captions on the run page');
  seen.diagrams = await page.locator('#diagrams .diagram svg circle').count();
  check(seen.diagrams > 0, 'diagram points drawn');
  seen.entropy = await page.locator('#diagrams li').first().textContent();
  check(/entropy \d/.test(seen.entropy), 'entropy shown: ' + seen.entropy);
  seen.sparklines = await page.locator('#drift svg path.spark').count();
  check(seen.sparklines > 0, 'a drift sparkline');
  await page.screenshot({ path: path.join(shots, '3_run.png'), fullPage: true });

  // Every <script> of every page so far came from /static/: the prompt added none.
  seen.scripts = await page.evaluate(() => [...document.scripts].map(s => s.getAttribute('src')));
  check(seen.scripts.every(s => s && s.startsWith('/static/')), 'only our scripts: ' + JSON.stringify(seen.scripts));

  // 4. Two runs side by side, and the clusters.
  const runs = await (await fetch(base + '/api/experiments/' + (await (await fetch(base + '/api/experiments')).json())[0].id + '/runs')).json();
  await page.goto(base + '/compare?a=' + runs.runs[0].id + '&b=' + runs.runs[1].id);
  await page.waitForSelector('.columns section .timeline .step');
  seen.compare_columns = await page.locator('.columns > section').count();
  check(seen.compare_columns === 2, 'two columns');
  await page.screenshot({ path: path.join(shots, '4_compare.png'), fullPage: true });
  await page.goto(base + '/clusters');
  await page.waitForSelector('#clusters .cluster');
  seen.clusters = await page.locator('#clusters .cluster').count();
  seen.cluster_images = await page.locator('#clusters .cluster img').count();
  await page.screenshot({ path: path.join(shots, '5_clusters.png'), fullPage: true });

  // 5. Live progress: an experiment written now shows its progress move without a reload.
  await page.goto(base + '/');
  await page.waitForSelector('#experiments tbody tr');
  await page.evaluate(() => { window.__noReload = true; });
  writer = spawn(cli, ['--db', db, 'experiment', 'run', liveConfig], { stdio: 'ignore' });
  const writerDone = new Promise(resolve => writer.on('exit', code => resolve(code)));
  await page.waitForFunction(() => document.querySelectorAll('#experiments tbody tr').length === 2, null, { timeout: 60000 });
  const liveCell = () => page.evaluate(() => {
    const row = [...document.querySelectorAll('#experiments tbody tr')].find(r => r.querySelector('td.prompts').textContent.startsWith('live'));
    return row ? row.querySelector('td.invocations').textContent : null;
  });
  const first = await liveCell();
  await page.waitForFunction(f => {
    const row = [...document.querySelectorAll('#experiments tbody tr')].find(r => r.querySelector('td.prompts').textContent.startsWith('live'));
    return row && row.querySelector('td.invocations').textContent !== f;
  }, first, { timeout: 60000 });
  seen.live_first = first;
  seen.live_next = await liveCell();
  check(await page.evaluate(() => window.__noReload === true), 'progress updated without a reload');
  await page.screenshot({ path: path.join(shots, '6_live.png'), fullPage: true });
  seen.writer_exit = await writerDone;
  writer = null;
  check(seen.writer_exit === 0, 'the live experiment finished');
  check(dialogs.length === 0, 'no dialog opened (a prompt ran as script?): ' + JSON.stringify(dialogs));
  seen.console_errors = consoleErrors;
  check(consoleErrors.length === 0, 'no console errors (CSP violations show here): ' + JSON.stringify(consoleErrors));
  console.log(JSON.stringify(seen));
} catch (e) {
  console.log(JSON.stringify(seen));
  console.error(String(e && e.stack || e));
  process.exitCode = 1;
} finally {
  if (writer) writer.kill('SIGKILL');
  await browser.close();
}
