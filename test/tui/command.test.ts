import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/cli/command.js';
import { tuiCommand } from '../../src/cli/commands/tui.js';
import { fakeIO } from '../helpers/io.js';
import { SEED } from './fixtures.js';

describe('lvscope tui: arguments', () => {
  test('needs a file, a known language, IP=NAME, and a terminal', async () => {
    const io = fakeIO({ tty: true });
    await expect(tuiCommand.run([], io)).rejects.toThrow(UsageError);
    await expect(tuiCommand.run(['-'], io)).rejects.toThrow(/reads your keys from standard input/);
    await expect(tuiCommand.run([SEED, '--lang', 'fr'], io)).rejects.toThrow(/--lang must be en or zh, not fr/);
    await expect(tuiCommand.run([SEED, '--name', 'WEB1'], io)).rejects.toThrow(/--name needs IP=NAME/);
    // fakeIO's stdin is a pipe, not a terminal.
    await expect(tuiCommand.run([SEED], io)).rejects.toThrow(/needs a terminal on standard input/);
  });

  test('help names every key and an example', () => {
    for (const k of ['/ filters', 'f follows', 'n/p', 'l English/中文', 'q quits', 'lvscope tui captures/seed-dr-kernel.pcap']) expect(tuiCommand.help).toContain(k);
  });
});
