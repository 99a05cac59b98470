// npm run bench: the mode-6 amplification table (test/bench/amplification.ts).
// Run alone: npx vite-node test/bench/amplification-report.ts
import { formatTable, measureAmplification } from './amplification';

const rows = measureAmplification();
console.log('\n== amplification: request bytes -> reply bytes (UDP payload), measured on the appliance ==');
console.log(formatTable(rows));
const mode6 = rows.filter((row) => row.request.startsWith('mode 6'));
const strangerBytes = mode6.reduce((total, row) => total + row.replyBytes['default, stranger'], 0);
const worst = mode6.reduce((best, row) => Math.max(best, row.replyBytes['cmdallow all, known'] / row.requestBytes), 0);
console.log(`default configuration, non-local address: ${strangerBytes} reply bytes to ${mode6.length} mode-6 requests` +
  (strangerBytes === 0 ? ' (PASS: no reply)' : ' (FAIL)') + '; NTP itself (mode 3) answers byte for byte');
console.log(`with cmdallow opened: a first contact gets at most its own size back; a known address at most x${worst.toFixed(1)} ` +
  'per request, as many requests as `ratelimit` lets through (burst B, then one per 2^I s)');
