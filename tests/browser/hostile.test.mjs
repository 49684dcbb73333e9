// Hostile text in every text field of config.toml (issue #5): in a real browser nothing runs
// and no `javascript:` address is linked; such addresses are refused by publish.
//
// The payloads would open a dialog (`alert`) or set `window.__pwned` if any reached the page
// as markup; the test listens for dialogs and reads `window.__pwned` on every page.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { addresses, copyProject, launch, run, serve } from './harness.mjs';

const PAYLOADS = [
  '<script>alert(1)</script><script>window.__pwned=1</script>',
  '"><img src=x onerror=alert(1)><img src=x onerror="window.__pwned=2">',
  "'><svg onload=window.__pwned=3><a href=\"javascript:alert(1)\">x</a>",
];

/** Every field of config.toml that holds free text (not an id, date, URL, path or keyword). */
const TEXT_KEYS = [
  'title',
  'subtitle',
  'author',
  'copyright',
  'name',
  'affiliation',
  'alt',
  'credit',
  'note',
  'show',
  'station',
  'frequency',
  'role',
  'address',
  'season_name',
];

/** `text` as the inside of a TOML basic string. */
const toml = (text) => text.replaceAll('\\', '\\\\').replaceAll('"', '\\"');

/**
 * config.toml with a payload appended to every free-text value, and to the first line of
 * every description. Returns the text and how many fields it changed.
 */
function hostileConfig(config) {
  let changed = 0;
  const keys = new RegExp(`^(\\s*(?:${TEXT_KEYS.join('|')})\\s*=\\s*)"(.*)"\\s*$`);
  const lines = config.split('\n').map((line) => {
    const text = line.match(keys);
    if (text) {
      const payload = PAYLOADS[changed++ % PAYLOADS.length];
      return `${text[1]}"${text[2]} ${toml(payload)}"`;
    }
    if (/^description\s*=\s*"""$/.test(line.trim())) {
      changed += 1;
      return `${line}\n${toml(PAYLOADS.join(' '))}`;
    }
    return line;
  });
  return { text: lines.join('\n'), changed };
}

describe('hostile text in config.toml', () => {
  let project;
  let server;
  let browser;

  before(async () => {
    project = copyProject();
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (project) fs.rmSync(project, { recursive: true, force: true });
  });

  test('publish refuses javascript: URLs and writes nothing', async () => {
    const file = path.join(project, 'config.toml');
    const original = fs.readFileSync(file, 'utf8');
    const withScriptUrls = original
      .replace('url = "https://www.laquadrature.net/"', 'url = "javascript:alert(1)"')
      .replace('name = "Clara Deville"\n', 'name = "Clara Deville"\nurl = " JavaScript:alert(document.domain)"\n');
    assert.notEqual(withScriptUrls, original);
    fs.writeFileSync(file, withScriptUrls);
    const result = await run(project, ['publish']);
    assert.equal(result.code, 2, result.stderr);
    const refused = result.stderr.split('\n').filter((l) => l.includes('must be an http or https URL'));
    assert.equal(refused.length, 2, result.stderr);
    assert.equal(fs.existsSync(path.join(project, 'feed')), false, 'nothing is written');
    fs.writeFileSync(file, original);
  });

  test('nothing runs in the browser and no javascript: URL is linked', async () => {
    const file = path.join(project, 'config.toml');
    const { text, changed } = hostileConfig(fs.readFileSync(file, 'utf8'));
    assert.ok(changed > 60, `only ${changed} fields made hostile`);
    fs.writeFileSync(file, text);
    // The reports and a transcript are untrusted too.
    for (const report of fs.readdirSync(path.join(project, 'reports'))) {
      fs.appendFileSync(path.join(project, 'reports', report), `\n${PAYLOADS.join('\n\n')}\n\n[x](javascript:alert(1))\n`);
    }
    const vtt = path.join(project, 'recordings/01-non-recours-aux-droits.vtt');
    fs.appendFileSync(vtt, `\n00:00:32.900 --> 00:00:33.100\n${PAYLOADS.join(' ')}\n`);

    server = await serve(project);
    const context = await browser.newContext();
    const dialogs = [];
    context.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    const index = await context.newPage();
    index.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    await index.goto(server.url);
    const sessions = await index.$$eval('a[href^="sessions/"]', (links) => [...new Set(links.map((l) => l.href.split('#')[0]))]);
    assert.equal(sessions.length, 5, 'every session page is linked');
    const transcripts = [];
    for (const url of sessions) {
      const html = await (await fetch(url)).text();
      transcripts.push(...[...html.matchAll(/href="([^"#/]+-transcription\.html)"/g)].map((m) => new URL(m[1], url).href));
    }
    assert.ok(transcripts.length >= 5, `the transcript pages are linked: ${transcripts}`);
    for (const url of [server.url, ...sessions, ...new Set(transcripts)]) {
      const page = url === server.url ? index : await context.newPage();
      page.on('dialog', async (dialog) => {
        dialogs.push(dialog.message());
        await dialog.dismiss();
      });
      if (page !== index) await page.goto(url);
      // Open every disclosure, as a reader would, and give any injected handler time to fire.
      await page.$$eval('details', (all) => all.forEach((d) => (d.open = true)));
      await page.waitForTimeout(300);
      assert.equal(await page.evaluate(() => window.__pwned), undefined, `${url}: a payload ran`);
      const body = await page.evaluate(() => document.body.innerText);
      assert.ok(body.includes('<script>alert(1)</script>'), `${url}: the hostile text is shown as text`);
      for (const link of await addresses(page)) {
        assert.ok(
          !/^\s*javascript:/i.test(link.raw) && !link.resolved.toLowerCase().startsWith('javascript:'),
          `${url}: <${link.tag} ${link.name}="${link.raw}">`,
        );
      }
      const handlers = await page.$$eval('*', (all) =>
        all.flatMap((e) => [...e.attributes].filter((a) => a.name.startsWith('on')).map((a) => `<${e.tagName} ${a.name}>`)),
      );
      assert.deepEqual(handlers, [], `${url}: event handler attributes`);
      const injected = await page.$$eval('img[src="x"], svg, script', (all) =>
        all.filter((e) => e.tagName !== 'SCRIPT' || e.textContent.includes('alert') || e.textContent.includes('__pwned')).length,
      );
      assert.equal(injected, 0, `${url}: injected elements`);
    }
    assert.deepEqual(dialogs, [], 'no dialog opened');
    await context.close();
  });
});
