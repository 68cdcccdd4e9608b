// bin/emu-img's entry point; the command line itself is in cli.ts.
import { runEmuImg } from './cli.ts';

process.exitCode = runEmuImg(process.argv.slice(2));
