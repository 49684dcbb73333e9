// The browser tests' harness: a copy of the real project in a temporary folder, the built
// `cyclecast serve` running on it, and Debian's chromium driven by playwright-core.
//
// No browser is downloaded: playwright-core drives /usr/bin/chromium (scripts/test installs
// it), and nothing leaves 127.0.0.1.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

/** The repository. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The binary under test: built by `cargo test` (or `cargo build`) before these tests run. */
export const BIN = process.env.CYCLECAST_BIN ?? path.join(ROOT, 'target/debug/cyclecast');

/** Where screenshots go, for people to look at. */
export const SCREENSHOTS = path.join(ROOT, 'target/screenshots');

/** "Today" for every run: 14 November 2023, after the whole cycle. */
export const SOURCE_DATE_EPOCH = '1700000000';

/** What a copy of the project holds: everything `publish` reads. */
const PROJECT_ENTRIES = ['config.toml', 'cover.jpg', 'recordings', 'reports', 'drawings', 'transcripts'];

/** Copies the real project into a new temporary folder; returns the folder. */
export function copyProject() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cyclecast-browser-'));
  for (const entry of PROJECT_ENTRIES) {
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  return dir;
}

/** Runs the binary to completion in `cwd`; resolves to { code, stdout, stderr }. */
export function run(cwd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1', SOURCE_DATE_EPOCH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Starts `cyclecast serve --port 0` in `cwd` and waits for its `serving URL` line.
 * Resolves to { url, stop }; `stop()` ends the server (by its own PID) and waits for it.
 */
export function serve(cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['serve', '--port', '0'], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', SOURCE_DATE_EPOCH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const exited = new Promise((done) => child.on('close', done));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no \`serving\` line within 60 s\n${stderr}`));
    }, 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${BIN} (${e.message}): run \`cargo build\` first`));
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      const line = stdout.split('\n').find((l) => l.startsWith('serving '));
      if (line) {
        clearTimeout(timer);
        resolve({ url: line.slice('serving '.length).trim(), stop, stderr: () => stderr });
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`cyclecast serve exited with ${code} before serving\n${stderr}`));
    });
  });
}

/** Launches Debian's chromium, headless. */
export function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** The items of a feed: each enclosure's URL and its itunes:duration in seconds. */
export function feedItems(xml) {
  return [...xml.matchAll(/<item>([\s\S]*?)<\/item>/g)].map(([, item]) => {
    const url = item.match(/<enclosure [^>]*url="([^"]+)"/)[1].replaceAll('&amp;', '&');
    const duration = item.match(/<itunes:duration>([^<]+)<\/itunes:duration>/)[1];
    const seconds = duration.split(':').reduce((total, part) => total * 60 + Number(part), 0);
    return { url, duration, seconds };
  });
}

/** Every address a page links to or embeds, resolved against the page's own address. */
export function addresses(page) {
  return page.$$eval('[href], [src]', (elements) =>
    elements.flatMap((element) =>
      ['href', 'src']
        .filter((name) => element.hasAttribute(name))
        .map((name) => ({
          tag: element.tagName.toLowerCase(),
          name,
          raw: element.getAttribute(name),
          resolved: new URL(element.getAttribute(name), document.baseURI).href,
        })),
    ),
  );
}
