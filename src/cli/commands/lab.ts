/**
 * `lvscope lab`: the CLI's wrapper around the lab (src/lab/command.ts), which knows nothing of
 * the CLI; its usage errors become the CLI's.
 */
import { runLabCommand } from '../../lab/command.js';
import { LAB_HELP } from '../../lab/help.js';
import { LabUsageError } from '../../lab/io.js';
import { UsageError, type Command } from '../command.js';

export const labCommand: Command = {
  help: LAB_HELP,
  async run(args, io): Promise<number> {
    try {
      return await runLabCommand(args, io);
    } catch (e) {
      if (e instanceof LabUsageError) throw new UsageError(e.message);
      throw e;
    }
  },
};
