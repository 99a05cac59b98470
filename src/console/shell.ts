/**
 * The serial console's line discipline: assembles lines from raw chunks
 * (split anywhere), echoes when the line needs it, handles backspace and
 * Ctrl-C, skips terminal escape sequences, and bounds the line length.
 */

export const PROMPT = 'ntp> ';
const MAX_LINE = 200;

export interface Shell {
  line: string;
  /** 0: normal, 1: after ESC, 2: inside a CSI sequence. */
  escape: number;
  /** The previous byte was CR, so a following LF ends nothing. */
  afterCarriageReturn: boolean;
  echo: boolean;
  write: (text: string) => void;
  execute: (line: string) => void;
  /** Called on Ctrl-C before the fresh prompt (stops a command that is still running). */
  interrupt: (() => void) | null;
}

export function create(echo: boolean, write: (text: string) => void, execute: (line: string) => void,
  interrupt?: () => void): Shell {
  return { line: '', escape: 0, afterCarriageReturn: false, echo: echo, write: write, execute: execute, interrupt: interrupt || null };
}

export function feed(shell: Shell, chunk: string): void {
  for (let i = 0; i < chunk.length; i++) feedByte(shell, chunk.charCodeAt(i));
}

function feedByte(shell: Shell, code: number): void {
  const wasCarriageReturn = shell.afterCarriageReturn;
  shell.afterCarriageReturn = code === 13;
  if (shell.escape === 1) {
    shell.escape = code === 91 || code === 79 ? 2 : 0; // ESC [ or ESC O
    return;
  }
  if (shell.escape === 2) {
    if (code >= 64 && code <= 126) shell.escape = 0; // final byte of the sequence
    return;
  }
  if (code === 13 || code === 10) {
    if (code === 10 && wasCarriageReturn) return;
    const line = shell.line;
    shell.line = '';
    if (shell.echo) shell.write('\r\n');
    shell.execute(line);
  } else if (code === 8 || code === 127) {
    if (shell.line.length > 0) {
      shell.line = shell.line.substring(0, shell.line.length - 1);
      if (shell.echo) shell.write('\b \b');
    }
  } else if (code === 3) {
    shell.line = '';
    if (shell.interrupt) shell.interrupt();
    shell.write((shell.echo ? '^C' : '') + '\r\n' + PROMPT);
  } else if (code === 27) {
    shell.escape = 1;
  } else if (code >= 32 && code < 127 && shell.line.length < MAX_LINE) {
    const character = String.fromCharCode(code);
    shell.line += character;
    if (shell.echo) shell.write(character);
  }
}
