/**
 * The serial console's line discipline: assembles lines from raw chunks
 * (split anywhere, escape sequences too), handles Ctrl-C, and bounds the
 * line length. On a raw serial line (echo on) it also edits the line as a
 * readline does: left/right, Home/End, Ctrl-A/Ctrl-E, backspace and delete
 * at the cursor, Ctrl-U/Ctrl-K, and up/down through the last lines typed.
 * It redraws with backspaces and spaces only, so any terminal follows.
 * Without echo the terminal edits the line itself: only backspace at the
 * end is honoured and escape sequences are skipped.
 * An on-demand module (ntpd-shell), loaded for each chunk the console receives: its state is
 * the Shell record, which the resident console (app.ts) keeps.
 */

/** A const enum: the resident console uses them without loading this module. */
export const enum ConsoleText {
  Prompt = 'ntp> ',
  /** Not a table command: it acts on the console itself (the resident console handles it). */
  ReplCommand = 'repl',
}
const MAX_LINE = 200;
/** Lines kept for up/down. */
export const HISTORY_SIZE = 16;
/** Parameter bytes kept of an escape sequence ("3" of ESC [ 3 ~); longer ones are skipped whole. */
const MAX_ESCAPE_PARAMETERS = 4;

export interface Shell {
  line: string;
  /** Where the next typed character goes (0..line.length). */
  cursor: number;
  /** 0: normal, 1: after ESC, 2: inside a CSI (ESC [) or SS3 (ESC O) sequence. */
  escape: number;
  escapeParameters: string;
  /** The previous byte was CR, so a following LF ends nothing. */
  afterCarriageReturn: boolean;
  echo: boolean;
  /** Oldest first, at most HISTORY_SIZE; `browsing` indexes it (history.length: the line being typed, kept in `draft`). */
  history: string[];
  browsing: number;
  draft: string;
  write: (text: string) => void;
  execute: (line: string) => void;
  /** Called on Ctrl-C before the fresh prompt (stops a command that is still running). */
  interrupt: (() => void) | null;
}

export function create(echo: boolean, write: (text: string) => void, execute: (line: string) => void,
  interrupt?: () => void): Shell {
  return {
    line: '', cursor: 0, escape: 0, escapeParameters: '', afterCarriageReturn: false, echo: echo,
    history: [], browsing: 0, draft: '', write: write, execute: execute, interrupt: interrupt || null,
  };
}

export function feed(shell: Shell, chunk: string): void {
  for (let i = 0; i < chunk.length; i++) feedByte(shell, chunk.charCodeAt(i));
}

function repeat(text: string, count: number): string {
  let result = '';
  for (let i = 0; i < count; i++) result += text;
  return result;
}

/** Replaces the line and moves the cursor, redrawing only from the first changed column. */
function redraw(shell: Shell, line: string, cursor: number): void {
  const old = shell.line;
  if (shell.echo) {
    let same = 0;
    while (same < old.length && same < line.length && old.charCodeAt(same) === line.charCodeAt(same)) same++;
    if (same > shell.cursor) same = shell.cursor;
    // Back to the first difference, the new tail, blanks over what is left of the old one, then back to the cursor.
    const tail = line.substring(same);
    const blanks = old.length > line.length ? old.length - line.length : 0;
    let text = repeat('\b', shell.cursor - same) + tail + repeat(' ', blanks);
    const end = line.length + blanks;
    text += cursor < end ? repeat('\b', end - cursor) : '';
    if (text !== '') shell.write(text);
  }
  shell.line = line;
  shell.cursor = cursor;
}

function remember(shell: Shell, line: string): void {
  const history = shell.history;
  if (line.trim() !== '' && (history.length === 0 || history[history.length - 1] !== line)) {
    if (history.length >= HISTORY_SIZE) history.shift();
    history.push(line);
  }
  shell.browsing = history.length;
  shell.draft = '';
}

/** Up (-1) or down (+1) through the history; the line being typed is kept to come back to. */
function browse(shell: Shell, step: number): void {
  const next = shell.browsing + step;
  if (next < 0 || next > shell.history.length) return;
  if (shell.browsing === shell.history.length) shell.draft = shell.line;
  shell.browsing = next;
  const line = next === shell.history.length ? shell.draft : shell.history[next];
  redraw(shell, line, line.length);
}

/** The final byte of an escape sequence, with its parameters: a cursor key or an editing key. */
function escapeKey(shell: Shell, final: number, parameters: string): void {
  if (!shell.echo) return;
  const line = shell.line;
  const cursor = shell.cursor;
  if (final === 65) browse(shell, -1); // A: up
  else if (final === 66) browse(shell, 1); // B: down
  else if (final === 67 && cursor < line.length) redraw(shell, line, cursor + 1); // C: right
  else if (final === 68 && cursor > 0) redraw(shell, line, cursor - 1); // D: left
  else if (final === 72 || (final === 126 && (parameters === '1' || parameters === '7'))) redraw(shell, line, 0); // Home
  else if (final === 70 || (final === 126 && (parameters === '4' || parameters === '8'))) redraw(shell, line, line.length); // End
  else if (final === 126 && parameters === '3') deleteAt(shell, cursor); // Delete
}

function deleteAt(shell: Shell, index: number): void {
  if (index < 0 || index >= shell.line.length) return;
  redraw(shell, shell.line.substring(0, index) + shell.line.substring(index + 1), index);
}

function feedByte(shell: Shell, code: number): void {
  const wasCarriageReturn = shell.afterCarriageReturn;
  shell.afterCarriageReturn = code === 13;
  // A control character is never part of an escape sequence (ECMA-48): it ends an
  // unfinished one and is then handled as usual, so Enter or Ctrl-C after a stray ESC works.
  if (shell.escape !== 0 && code < 32) shell.escape = 0;
  if (shell.escape === 1) {
    shell.escape = code === 91 || code === 79 ? 2 : 0; // ESC [ or ESC O
    shell.escapeParameters = '';
    return;
  }
  if (shell.escape === 2) {
    if (code >= 64 && code <= 126) {
      shell.escape = 0; // final byte of the sequence
      escapeKey(shell, code, shell.escapeParameters);
    } else if (shell.escapeParameters.length < MAX_ESCAPE_PARAMETERS) {
      shell.escapeParameters += String.fromCharCode(code);
    } else {
      shell.escapeParameters = '?'; // too long to be a key we know: skipped whole
    }
    return;
  }
  const line = shell.line;
  const cursor = shell.cursor;
  if (code === 13 || code === 10) {
    if (code === 10 && wasCarriageReturn) return;
    shell.line = '';
    shell.cursor = 0;
    if (shell.echo) {
      remember(shell, line);
      shell.write('\r\n');
    }
    shell.execute(line);
  } else if (code === 8 || code === 127) {
    // Without echo the terminal's own line editing sends a backspace only at the end.
    if (!shell.echo) shell.cursor = line.length;
    if (shell.cursor > 0) deleteAt(shell, shell.cursor - 1);
  } else if (code === 3) {
    shell.line = '';
    shell.cursor = 0;
    shell.browsing = shell.history.length;
    if (shell.interrupt) shell.interrupt();
    shell.write((shell.echo ? '^C' : '') + '\r\n' + ConsoleText.Prompt);
  } else if (code === 27) {
    shell.escape = 1;
  } else if (shell.echo && code === 1) {
    redraw(shell, line, 0); // Ctrl-A
  } else if (shell.echo && code === 5) {
    redraw(shell, line, line.length); // Ctrl-E
  } else if (shell.echo && code === 21) {
    redraw(shell, line.substring(cursor), 0); // Ctrl-U: the line before the cursor
  } else if (shell.echo && code === 11) {
    redraw(shell, line.substring(0, cursor), cursor); // Ctrl-K: the line after it
  } else if (code >= 32 && code < 127 && line.length < MAX_LINE) {
    const character = String.fromCharCode(code);
    if (!shell.echo) {
      shell.line += character;
      shell.cursor = shell.line.length;
    } else {
      redraw(shell, line.substring(0, cursor) + character + line.substring(cursor), cursor + 1);
    }
  }
}
