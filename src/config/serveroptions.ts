/**
 * A server line's options (`server HOST [option ...]`, and the console's `add server`): a file
 * of its own so that `add server` does not load the whole configuration parser.
 */
import { parseInteger, parseNumber } from '../text/parse';
import type { ServerOptions } from './types';
import { defaultServerOptions } from './types';

/** Parses `HOST [option ...]` of a server line (also used by the console's `add server`). */
export function parseServer(args: string[]): ServerOptions | string {
  if (args.length === 0) return 'server needs an address';
  const server = defaultServerOptions(args[0]);
  for (let i = 1; i < args.length; i++) {
    const option = args[i];
    if (option === 'iburst') server.iburst = true;
    else if (option === 'burst') server.burst = true;
    else if (option === 'prefer') server.prefer = true;
    else if (option === 'noselect') server.noselect = true;
    else if (option === 'minpoll' || option === 'maxpoll' || option === 'port' || option === 'maxdelay' || option === 'key' ||
      option === 'maxdelayratio' || option === 'minstratum') {
      const text = args[++i];
      if (option === 'port') server.port = parseInteger(text, 1, 65535);
      else if (option === 'maxdelayratio') server.maxDelayRatio = parseNumber(text, 1, 1e6);
      else if (option === 'minstratum') server.minStratum = parseInteger(text, 0, 15);
      else if (option === 'key') server.keyId = parseInteger(text, 1, 4294967295);
      else if (option === 'maxdelay') server.maxDelay = parseNumber(text, 0, 1000);
      else if (option === 'minpoll') server.minPollLog2 = parseInteger(text, -6, 17);
      else server.maxPollLog2 = parseInteger(text, -6, 17);
      if (text === undefined || server.port !== server.port || server.maxDelay !== server.maxDelay || server.keyId !== server.keyId ||
        server.maxDelayRatio !== server.maxDelayRatio || server.minStratum !== server.minStratum ||
        server.minPollLog2 !== server.minPollLog2 || server.maxPollLog2 !== server.maxPollLog2) {
        return 'bad value for ' + option + (text === undefined ? '' : ': "' + text + '"');
      }
    } else {
      return 'unknown server option "' + option + '"';
    }
  }
  if (server.maxPollLog2 < server.minPollLog2) server.maxPollLog2 = server.minPollLog2;
  return server;
}
