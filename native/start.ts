// `npm start`: analyse the bundled sample and print the report summary.
import { analyzeAndPrint } from './cli/analyze-command.js';
import { ensureSample } from './sample.js';

const sample = await ensureSample();
process.stdout.write(`vmkscope: analysing the bundled sample ${sample}\n\n`);
process.exitCode = await analyzeAndPrint([sample], { hash: true, progress: process.stderr.isTTY });
