// ntpsec's ntpq (mode 6) against the virtual board on port 123 inside a network
// namespace: the GPS refclock, a server that never answers (192.0.2.1 has no
// route in the namespace) and `local stratum 10`. ntpq must print the system
// variables, one peers line and one associations line per source, and no error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, deleteNetns, ntpq, requirePeer, sleep } from './peers.js';
import { parseStats, VBoard } from './vboard.js';

const skip = requirePeer('ntpq', 'netns');

// iburst: the silent server has had its say (3 requests) within seconds, so selection need not wait minutes for it.
const CONFIG = 'refclock GPS\nmakestep 1 3\nserver 192.0.2.1 iburst\nlocal stratum 10\n';

/** The rows of an ntpq table: the lines after its "====" rule, up to a blank line. */
function tableRows(text: string, header: RegExp): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => header.test(line));
  if (start < 0) return [];
  const rows: string[] = [];
  for (let i = start + 2; i < lines.length && lines[i].trim() !== '' && !/^\s*(ind|remote)\s/.test(lines[i]); i++) rows.push(lines[i]);
  return rows;
}

describe.skipIf(skip !== undefined)(`ntpq against the board in a namespace${skip ? ` (${skip})` : ''}`, () => {
  let ns: string | undefined;
  beforeAll(async () => { ns = await createNetns(); }, 20_000);
  afterAll(async () => { await deleteNetns(ns); }, 20_000);

  it('rv, peers and associations show the board like an ntpd: the GPS as system peer, the silent server, local as fallback', async () => {
    const board = await VBoard.start({ ntpPort: 123, netns: ns, config: CONFIG, timeoutS: 150 });
    try {
      // The GPS takes about 20 s to become the reference: until then the board serves `local`.
      let stratum = '';
      const until = Date.now() + 60_000;
      while (Date.now() < until) {
        const r = await ntpq(['-c', 'rv 0 stratum', '127.0.0.1'], { netns: ns });
        expect(r.stderr).toBe('');
        stratum = r.stdout.trim();
        if (stratum === 'stratum=1') break;
        expect(stratum).toMatch(/^stratum=(1|10)$/);
        await sleep(2000);
      }
      expect(stratum).toBe('stratum=1');
      // Let the GPS source settle as the system peer.
      await sleep(3000);

      const r = await ntpq(['-c', 'rv', '-c', 'peers', '-c', 'associations', '127.0.0.1'], { netns: ns, timeoutS: 30 });
      const text = r.stdout + r.stderr;
      console.log(`[ntpq] ntpq -c rv -c peers -c associations:\n${text}`);
      expect(r.code, text).toBe(0);
      expect(r.stderr, text).toBe('');
      expect(text).not.toMatch(/\*\*\*|[Ee]rror|timed out/);
      // rv: status word in words, then the variables.
      expect(text).toMatch(/associd=0 status=[0-9a-f]{4} leap_none, sync_(pps|uhf_radio)/);
      expect(text).toMatch(/\bstratum=1\b/);
      expect(text).toMatch(/\brefid=(PPS|GPS)\b/);
      expect(text).toMatch(/\boffset=[-+]?\d+\.\d+/);
      expect(text).toMatch(/\bfrequency=[-+]?\d+\.\d+/);
      expect(text).toMatch(/\bprecision=-\d+/);
      expect(text).toMatch(/\bversion="ntp-appliance/);
      // peers: the refclock (local type 'l', selected '*'), and the silent server.
      const peers = tableRows(text, /^\s+remote\s+refid\s+st t when poll reach/);
      expect(peers, text).toHaveLength(2);
      expect(peers[0]).toMatch(/^\*NMEA\(0\)\s+\.(PPS|GPS)\.\s+0 l\s/);
      expect(peers[1]).toMatch(/^ 192\.0\.2\.1\s+\.INIT\.\s+0 u\s/);
      // associations: one per source, configured; the refclock reachable and the system peer.
      const rows = tableRows(text, /^ind assid status\s+conf reach auth condition/);
      expect(rows, text).toHaveLength(2);
      expect(rows[0]).toMatch(/^\s*1\s+\d+\s+[0-9a-f]{4}\s+yes\s+yes\s+none\s+sys\.peer\s/);
      expect(rows[1]).toMatch(/^\s*2\s+\d+\s+[0-9a-f]{4}\s+yes\s+no\s+none\s+reject\s/);

      const unknown = await ntpq(['-c', 'rv 0 stratum,nosuchvariable', '127.0.0.1'], { netns: ns });
      expect(unknown.stdout + unknown.stderr).toMatch(/Server error code UNKNOWNVAR/);
      const stats = parseStats(await board.command('serverstats'));
      expect(stats['Command packets received']).toBeGreaterThanOrEqual(6);
      expect(stats['Command packets dropped']).toBe(0);
    } finally {
      await board.stop();
    }
  }, 150_000);

  it('cmddeny for the querying address: ntpq gets no answer, the board counts the drops', async () => {
    const board = await VBoard.start({ ntpPort: 123, netns: ns, config: 'local stratum 10\ncmdallow\ncmddeny 127.0.0.1\n', gps: ['--no-gps'] });
    try {
      const r = await ntpq(['-c', 'rv 0 stratum', '127.0.0.1'], { netns: ns, timeoutS: 30 });
      const text = r.stdout + r.stderr;
      expect(text).toMatch(/timed out/);
      expect(text).not.toMatch(/stratum=/);
      const stats = parseStats(await board.command('serverstats'));
      expect(stats['Command packets received']).toBeGreaterThanOrEqual(1);
      expect(stats['Command packets dropped']).toBe(stats['Command packets received']);
      // The console's cmdaccheck agrees, and allowing the address lets the next query through.
      expect(await board.command('cmdaccheck 127.0.0.1')).toMatch(/209 Access denied/);
      expect(await board.command('cmdallow 127.0.0.1')).toMatch(/200 OK/);
      const allowed = await ntpq(['-c', 'rv 0 stratum', '127.0.0.1'], { netns: ns });
      // (ntpq adds a note that the board has no associations.)
      expect(allowed.stdout).toMatch(/^stratum=10$/m);
    } finally {
      await board.stop();
    }
  }, 90_000);
});
