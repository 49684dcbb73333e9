// The pages in a real browser (issue #5): Debian's chromium, driven by playwright-core,
// against `cyclecast serve` on a copy of the real project.
//
// Checks that no page logs an error, that each player loads its recording with the feed's
// duration, that every link resolves, that axe-core finds no violation (light and dark), that
// everything is there with JavaScript off, that a transcript page's timestamps open the
// session's player at their moment, and writes screenshots under target/screenshots/.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ROOT, SCREENSHOTS, addresses, copyProject, feedItems, launch, serve } from './harness.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** How far a player's duration may be from the feed's `itunes:duration` (whole seconds). */
const DURATION_TOLERANCE = 0.5;

describe('the pages in chromium', () => {
  let project;
  let server;
  let browser;
  let feed;
  let pages; // absolute URLs of index.html and every session page
  let transcripts; // absolute URLs of the transcript pages the session pages link to
  const config = fs.readFileSync(path.join(ROOT, 'config.toml'), 'utf8');

  before(async () => {
    project = copyProject();
    server = await serve(project);
    browser = await launch();
    feed = feedItems(await (await fetch(server.url + 'feed.xml')).text());
    const index = await (await fetch(server.url)).text();
    const sessions = [...new Set([...index.matchAll(/href="(sessions\/[^"#]+\.html)"/g)].map((m) => m[1]))];
    pages = [server.url + 'index.html', ...sessions.map((s) => server.url + s)];
    transcripts = [];
    for (const url of pages.slice(1)) {
      const html = await (await fetch(url)).text();
      const linked = [...new Set([...html.matchAll(/href="([^"#/]+-transcription\.html)"/g)].map((m) => m[1]))];
      transcripts.push(...linked.map((t) => new URL(t, url).href));
    }
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (project) fs.rmSync(project, { recursive: true, force: true });
  });

  /** Opens `url` in a new page of `context`, recording console errors and page errors. */
  async function open(context, url) {
    const page = await context.newPage();
    const errors = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => {
      // A player stops fetching once it has what it asked for (the metadata): not a failure.
      const aborted = request.failure()?.errorText === 'net::ERR_ABORTED' && request.resourceType() === 'media';
      if (!aborted) errors.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) errors.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    const response = await page.goto(url, { waitUntil: 'load' });
    assert.equal(response.status(), 200, url);
    return { page, errors };
  }

  test('links every session page from the index', () => {
    assert.equal(pages.length, 1 + 5, `index and five session pages: ${pages}`);
    assert.equal(feed.length, 5, 'five episodes in the feed');
    assert.equal(transcripts.length, 5, `a transcript page linked from each session page: ${transcripts}`);
  });

  test('plays the light rendition each player lists, as long as the episode', async (t) => {
    const context = await browser.newContext();
    let checked = 0;
    for (const url of pages.filter((u) => u.includes('/sessions/') && !u.includes('transcription'))) {
      const { page } = await open(context, url);
      const light = await page.$$eval('audio > source:nth-of-type(2)', (sources) => sources.map((s) => s.src));
      for (const src of light) {
        const played = await page.evaluate(
          (src) =>
            new Promise((resolve) => {
              const audio = new Audio();
              const done = () => resolve({ duration: audio.duration, error: audio.error?.code ?? null });
              audio.addEventListener('loadedmetadata', done, { once: true });
              audio.addEventListener('error', done, { once: true });
              audio.preload = 'metadata';
              audio.src = src;
            }),
          src,
        );
        const first = await page.getAttribute('audio > source:first-of-type', 'src');
        const item = feed.find((i) => new URL(i.url).pathname === new URL(first, url).pathname);
        assert.ok(item, `${url}: the player's first source is the feed's enclosure`);
        assert.equal(played.error, null, `${src} failed to load`);
        t.diagnostic(`${new URL(src).pathname}: chromium ${played.duration} s, feed ${item.duration}`);
        assert.ok(Math.abs(played.duration - item.seconds) <= 0.5, `${src}: ${played.duration} s, the episode ${item.seconds} s`);
        checked += 1;
      }
      await page.close();
    }
    assert.ok(checked > 0, 'no light rendition on any session page');
  });

  test('logs no console error and each player loads the feed duration', async (t) => {
    const context = await browser.newContext();
    for (const url of pages) {
      const { page, errors } = await open(context, url);
      const players = await page.$$eval('audio', (audios) =>
        Promise.all(
          audios.map(
            (audio) =>
              new Promise((resolve) => {
                const done = () =>
                  resolve({ src: audio.currentSrc || audio.src, duration: audio.duration, error: audio.error?.code ?? null });
                const timer = setTimeout(done, 15000);
                const finish = () => {
                  clearTimeout(timer);
                  done();
                };
                audio.addEventListener('loadedmetadata', finish, { once: true });
                audio.addEventListener('error', finish, { once: true });
                audio.preload = 'metadata';
                audio.load();
              }),
          ),
        ),
      );
      assert.ok(players.length > 0, `${url}: no player`);
      for (const player of players) {
        const item = feed.find((i) => new URL(i.url).pathname === new URL(player.src).pathname);
        assert.ok(item, `${url}: the player's ${player.src} is no enclosure of the feed`);
        if (url.includes('/sessions/')) {
          t.diagnostic(`${new URL(player.src).pathname}: chromium ${player.duration} s, feed ${item.duration}`);
        }
        assert.equal(player.error, null, `${url}: ${player.src} failed to load`);
        assert.ok(
          Math.abs(player.duration - item.seconds) <= DURATION_TOLERANCE,
          `${url}: chromium gives ${player.src} ${player.duration} s, the feed says ${item.duration}`,
        );
      }
      assert.deepEqual(errors, [], `${url}: errors`);
      await page.close();
    }
    await context.close();
  });

  test('resolves every link of every page', async () => {
    const context = await browser.newContext();
    const local = new URL(server.url);
    const feedUrl = new URL('feed.xml', server.url).href;
    const allowedElsewhere = (url) =>
      config.includes(`"${url}"`) ||
      config.includes(`"${url.replace(/\/$/, '')}"`) ||
      url.startsWith('https://www.openstreetmap.org/') ||
      url === `https://antennapod.org/deeplink/subscribe?url=${encodeURIComponent(feedUrl)}`;
    const bodies = new Map();
    let checked = 0;
    for (const url of [...pages, ...transcripts]) {
      const { page, errors } = await open(context, url);
      for (const link of await addresses(page)) {
        const target = new URL(link.resolved);
        const shown = `${url}: <${link.tag} ${link.name}="${link.raw}">`;
        checked += 1;
        if (link.tag === 'link' && link.raw === 'data:,') {
          // An empty icon: the browser asks for no /favicon.ico.
          continue;
        }
        if (target.protocol === 'podcast:') {
          assert.equal(`http://${link.raw.slice('podcast://'.length)}`, feedUrl, shown);
          continue;
        }
        assert.ok(['http:', 'https:'].includes(target.protocol), `${shown}: scheme ${target.protocol}`);
        if (target.origin !== local.origin) {
          // No network here: an address elsewhere must be one config.toml gives, or a map or app link.
          assert.ok(allowedElsewhere(target.href), `${shown}: an address elsewhere that config.toml does not give`);
          continue;
        }
        const file = target.origin + target.pathname;
        if (!bodies.has(file)) {
          const response = await context.request.get(file);
          assert.equal(response.status(), 200, shown);
          const type = response.headers()['content-type'] ?? '';
          bodies.set(file, type.startsWith('text/html') ? await response.text() : null);
        }
        const body = bodies.get(file);
        if (target.hash.startsWith('#t=') && body !== null) {
          // A transcript's timestamp: a position for the player of the page it opens.
          assert.ok(body.includes('<audio'), `${shown}: no player there`);
        } else if (target.hash && body !== null) {
          const id = decodeURIComponent(target.hash.slice(1));
          assert.ok(body.includes(`id="${id}"`), `${shown}: no element with id ${id}`);
        }
      }
      assert.deepEqual(errors, [], `${url}: errors`);
      await page.close();
    }
    assert.ok(checked > 100, `only ${checked} addresses checked`);
    await context.close();
  });

  test('axe-core finds no violation, in light and dark', async () => {
    for (const colorScheme of ['light', 'dark']) {
      const context = await browser.newContext({ colorScheme });
      for (const url of [...pages, ...transcripts]) {
        const { page } = await open(context, url);
        await page.addScriptTag({ path: AXE });
        const violations = await page.evaluate(async () => {
          const result = await globalThis.axe.run(document, { resultTypes: ['violations'] });
          return result.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
          }));
        });
        assert.deepEqual(violations, [], `${url} (${colorScheme}): ${JSON.stringify(violations, null, 2)}`);
        await page.close();
      }
      await context.close();
    }
  });

  test('fits a 320 px wide phone: nothing sticks out sideways', async () => {
    const context = await browser.newContext({ viewport: { width: 320, height: 640 } });
    for (const url of [...pages, ...transcripts]) {
      const { page } = await open(context, url);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${url} at 320 px is ${overflow} px too wide`);
      await page.close();
    }
    await context.close();
  });

  test('writes screenshots at 360 px and 1280 px wide', async () => {
    const shots = [
      ['index', pages[0]],
      ['session-02', pages.find((p) => p.includes('/sessions/02-'))],
      ['session-05', pages.find((p) => p.includes('/sessions/05-'))],
      ['transcript-02', transcripts.find((p) => p.includes('/sessions/02-'))],
    ];
    for (const colorScheme of ['light', 'dark']) {
      for (const width of [360, 1280]) {
        const context = await browser.newContext({ viewport: { width, height: 800 }, colorScheme });
        for (const [name, url] of shots) {
          const { page } = await open(context, url);
          // Nothing may stick out sideways: a phone would scroll horizontally.
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          assert.ok(overflow <= 0, `${url} at ${width} px is ${overflow} px too wide`);
          const file = path.join(SCREENSHOTS, `${name}-${width}${colorScheme === 'dark' ? '-dark' : ''}.png`);
          await page.screenshot({ path: file, fullPage: true });
          assert.ok(fs.statSync(file).size > 10_000, file);
          await page.close();
        }
        await context.close();
      }
    }
  });

  test('chapter links seek the player and the copy button copies the feed address', async () => {
    const context = await browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
    const { page, errors } = await open(context, pages[1]);
    const chapter = page.locator('a[data-start]').nth(1);
    const start = Number(await chapter.getAttribute('data-start'));
    assert.ok(start > 0, 'the second chapter starts after 0');
    await chapter.click();
    assert.equal(page.url(), pages[1], 'the chapter link did not open the file');
    const position = await page.$eval('audio', (audio) => audio.currentTime);
    assert.ok(Math.abs(position - start) < 1, `the player is at ${position} s, the chapter at ${start} s`);
    await page.$eval('audio', (audio) => audio.pause());
    // Printing opens the transcript, and closes it again afterwards.
    assert.equal(await page.$eval('details.transcript', (d) => d.open), false);
    await page.evaluate(() => dispatchEvent(new Event('beforeprint')));
    assert.equal(await page.$eval('details.transcript', (d) => d.open), true, 'open for printing');
    await page.evaluate(() => dispatchEvent(new Event('afterprint')));
    assert.equal(await page.$eval('details.transcript', (d) => d.open), false, 'closed after printing');

    const { page: index } = await open(context, pages[0]);
    const button = index.locator('#copy-feed');
    assert.ok(await button.isVisible(), 'with script, the copy button shows');
    await button.click();
    await index.waitForFunction(() => document.getElementById('copy-status').textContent !== '');
    const copied = await index.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, new URL('feed.xml', server.url).href);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a transcript page's timestamp opens the session's player at that moment", async () => {
    const context = await browser.newContext();
    const transcript = transcripts.find((p) => p.includes('/sessions/02-'));
    const { page, errors } = await open(context, transcript);
    const link = page.locator('.transcript a').nth(3);
    const href = await link.getAttribute('href');
    const [, time] = href.match(/#t=([\d:]+)$/);
    const seconds = time.split(':').reduce((total, part) => total * 60 + Number(part), 0);
    assert.ok(seconds > 0, `${href}: the fourth cue starts after 0`);
    await Promise.all([page.waitForURL(/#t=/), link.click()]);
    assert.equal(page.url(), new URL(href, transcript).href);
    await page.waitForFunction(() => document.activeElement?.tagName === 'AUDIO');
    const position = await page.$eval('main audio', (audio) => audio.currentTime);
    assert.equal(position, seconds, `the player is at ${position} s, the cue at ${seconds} s`);
    // A new `#t=` on the same page moves the player too.
    await page.evaluate(() => (location.hash = '#t=00:05'));
    await page.waitForFunction(() => document.querySelector('main audio').currentTime === 5);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('without JavaScript every player, link and transcript is still there', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const { page: index } = await open(context, pages[0]);
    assert.equal(await index.locator('#copy-feed').isVisible(), false, 'the copy button needs script');
    assert.equal(await index.locator('#feed-url').inputValue(), new URL('feed.xml', server.url).href);
    assert.equal(await index.locator('audio > source:first-of-type').count(), feed.length, 'one player per episode on the index');
    assert.equal(await index.locator('.download a[href]:first-of-type').count(), feed.length);
    for (const url of pages.slice(1)) {
      const { page } = await open(context, url);
      const src = await page.getAttribute('audio > source:first-of-type', 'src');
      assert.ok(src, `${url}: a player`);
      assert.equal(await page.getAttribute('.download a', 'href'), src, `${url}: a download link`);
      const chapters = await page.$$eval('a[data-start]', (links) => links.map((l) => l.getAttribute('href')));
      assert.ok(chapters.length > 0, `${url}: chapter links`);
      for (const href of chapters) assert.match(href, /#t=\d/, `${url}: ${href} opens the file at the chapter`);
      const track = await page.getAttribute('audio track[kind="captions"]', 'src');
      const vtt = await (await fetch(new URL(track, url))).text();
      const cues = vtt.split('-->').length - 1;
      assert.equal(await page.locator('details.transcript p').count(), cues, `${url}: every cue in the transcript`);
      await page.locator('details.transcript summary').click();
      assert.ok(await page.locator('details.transcript p').first().isVisible(), `${url}: the transcript opens`);
      assert.ok((await page.locator('main a[href]').count()) > 3, `${url}: links`);
      const transcript = transcripts.find((t) => t.startsWith(url.replace(/\.html$/, '-')));
      assert.ok(transcript, `${url}: a transcript page`);
      const { page: full } = await open(context, transcript);
      const links = await full.$$eval('.transcript p > a', (all) => all.map((a) => a.getAttribute('href')));
      assert.equal(links.length, cues, `${transcript}: every cue on the transcript page`);
      const session = url.split('/').pop();
      for (const href of links) assert.match(href, new RegExp(`^${session.replaceAll('.', '\\.')}#t=\\d`), `${transcript}: ${href}`);
      await full.close();
      await page.close();
    }
    await context.close();
  });
});
