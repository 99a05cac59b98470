// The status page's HTTP handler, through app.start() on a fake board: the
// routes, 404 and 405, and that no request of any shape makes it throw.
import { describe, expect, it } from 'vitest';
import * as appModule from '../../src/app';
import * as commands from '../../src/console/commands';
import type { HttpHandler } from '../../src/platform';
import * as logtext from '../../src/stats/logtext';
import * as recordLog from '../../src/stats/recordlog';
import type { RecordLog } from '../../src/stats/recordlog';
import * as statistics from '../../src/stats/statistics';
import { TrackingWord } from '../../src/stats/statistics';
import * as history from '../../src/stats/history';
import * as web from '../../src/web/pages';
import { fakePlatform } from './fakes';

const START = 1_800_000_000.25;
const PAGE = '<!DOCTYPE html><title>test page</title>';

function board(configText: string, withPage = true) {
  const state = { raw: START };
  const storage: Record<string, string> = { 'ntp.conf': configText };
  if (withPage) storage[web.PAGE_FILE] = PAGE;
  const fake = fakePlatform(() => state.raw, storage);
  const app = appModule.start(fake.platform);
  return { app, fake, handler: fake.httpHandlers[80] as HttpHandler | undefined };
}

const T0 = 1_800_000_000;

/** A tracking record at `time` from 192.0.2.1 (the rest zero). */
function addTracking(log: RecordLog, time: number): void {
  const at = recordLog.add(log);
  log.words[at + TrackingWord.Time] = time;
  log.words[at + TrackingWord.Name] = 0xc0000201;
}

describe('status page HTTP handler', () => {
  it('listens on port 80 by default, on httpport N, and not at all with httpport 0', () => {
    expect(board('').fake.httpHandlers[80]).toBeTypeOf('function');
    expect(Object.keys(board('httpport 8080\n').fake.httpHandlers)).toEqual(['8080']);
    expect(Object.keys(board('httpport 0\n').fake.httpHandlers)).toEqual([]);
    expect(board('httpport 70000\n').fake.logs.join('\n')).toMatch(/ntp\.conf:1: httpport needs one number, 0-65535/);
  });

  it('serves the page from Storage, and says so when it is missing', () => {
    const page = board('').handler!('GET', '/');
    expect(page).toEqual({ status: 200, contentType: 'text/html; charset=utf-8', body: PAGE });
    const missing = board('', false).handler!('GET', '/?x=1');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatch(/No status\.html in Storage/);
  });

  it('/status is JSON with the state and the client counts; /sources is the sources table', () => {
    const { app, handler } = board('local stratum 3\n');
    const reply = handler!('GET', '/status?t=1');
    expect(reply.status).toBe(200);
    expect(reply.contentType).toBe('application/json');
    const status = JSON.parse(reply.body);
    expect(status.synchronised).toBe(true);
    expect(status.stratum).toBe(3);
    expect(status.referenceId).toBe('7F7F0101');
    expect(status.sources).toBeUndefined();
    const sources = handler!('GET', '/sources');
    expect(sources.status).toBe(200);
    expect(sources.contentType).toMatch(/^text\/plain/);
    expect(sources.body).toBe(commands.run(app, 'sources'));
    expect(status.replies).toBe(0);
    expect(status.clients).toBe(0);
    expect(status.rootDistance).toBeTypeOf('number');
    const unsynchronised = JSON.parse(board('').handler!('GET', '/status').body);
    expect(unsynchronised.synchronised).toBe(false);
    expect(unsynchronised.stratum).toBe(0);
  });

  it('/history and the logs are what the statistics hold', () => {
    const { app, handler } = board('');
    expect(handler!('GET', '/log/tracking').body.split('\n')).toHaveLength(4); // the banner alone: no log before the first record
    statistics.ensure(app.statistics);
    const h = app.statistics.history!;
    expect(handler!('GET', '/history')).toEqual({ status: 200, contentType: 'text/csv', body: 'time,offset,freq_ppm,distance,stratum\n' });
    history.record(h, 1_800_000_000, 0.5, 0, 0, 0);
    expect(handler!('GET', '/history').body).toBe('time,offset,freq_ppm,distance,stratum\n1800000000,0.5,0,0,0\n');
    addTracking(app.statistics.tracking!, 1_800_000_000);
    const tracking = handler!('GET', '/log/tracking');
    expect(tracking.contentType).toMatch(/^text\/plain/);
    const lines = tracking.body.split('\n').slice(1);
    expect(lines.slice(0, 2)).toEqual([logtext.TRACKING_HEADER, '='.repeat(logtext.TRACKING_HEADER.length)]);
    expect(lines.slice(2)).toHaveLength(2);
    expect(lines[2].startsWith(logtext.logTime(1_800_000_000) + ' 192.0.2.1 ')).toBe(true);
    expect(handler!('GET', '/log/measurements').body.split('\n')[1]).toBe(logtext.MEASUREMENTS_HEADER);
  });

  it('unknown paths are 404, other methods on known paths 405', () => {
    const { handler } = board('');
    for (const path of ['/nope', '/status/', '/log', '/log/statistics', '//', 'status', '', '/../ntp.conf', '/ntp.keys']) {
      expect(handler!('GET', path).status, path).toBe(404);
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'HEAD', 'get', '']) {
      expect(handler!(method, '/status').status, method).toBe(405);
      expect(handler!(method, '/').status, method).toBe(405);
    }
  });

  it('never throws, whatever it is given, and a failing route is a logged 500', () => {
    const { app, handler, fake } = board('');
    const odd = [undefined, null, 42, {}, '\u0000', '/status\u0000', '%', '/?' + 'x'.repeat(10000), '\u00ff\u00fe'];
    for (const url of odd) {
      for (const method of odd) {
        const reply = handler!(method as unknown as string, url as unknown as string);
        expect([200, 404, 405]).toContain(reply.status);
        expect(typeof reply.body).toBe('string');
      }
    }
    app.statistics = null as never;
    const broken = handler!('GET', '/log/tracking');
    expect(broken.status).toBe(500);
    expect(fake.logs.join('\n')).toMatch(/HTTP \/log\/tracking: /);
    expect(handler!('GET', '/status').status).toBe(200);
  });

  it('log measurements|tracking [N] on the console prints the last N lines with chrony\'s banner', () => {
    const { app } = board('');
    const times = (text: string) => text.split('\n').slice(3, -1).map((line) => line.substring(0, 19));
    statistics.ensure(app.statistics);
    for (let i = 1; i <= 4; i++) addTracking(app.statistics.tracking!, T0 + i);
    expect(times(commands.run(app, 'log tracking 2'))).toEqual([logtext.logTime(T0 + 3), logtext.logTime(T0 + 4)]);
    expect(times(commands.run(app, 'log tracking'))).toEqual([1, 2, 3, 4].map((i) => logtext.logTime(T0 + i)));
    expect(commands.run(app, 'log measurements').split('\n')[1]).toBe(logtext.MEASUREMENTS_HEADER);
    for (const bad of ['log', 'log statistics', 'log tracking -1', 'log tracking 1.5', 'log tracking x', 'log tracking 1 2', 'log tracking 999']) {
      expect(commands.run(app, bad), bad).toMatch(/^Invalid syntax for log \(usage: log measurements\|tracking \[<lines>\]\)\n$/);
    }
  });
});
