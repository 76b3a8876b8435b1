// Lint, and the import arrows of ARCHITECTURE.md enforced by a machine: a forbidden import
// fails `npm test`. Folders are split by the runtime they run in.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nativeModules = ['better-sqlite3', 'pcap', 'electron'];
/** Node built-ins by exact name (a pattern would also match a folder of ours called net/). */
const noNode = (message) => [...builtinModules, ...builtinModules.map((m) => `node:${m}`)].map((name) => ({ name, message }));

/**
 * no-restricted-imports: exact module names plus path rules, one message each. A rule is a
 * gitignore-style group (array) or a regular expression (string).
 */
const forbid = (paths, ...rules) => [
  'error',
  { paths, patterns: rules.map(([match, message]) => (typeof match === 'string' ? { regex: match, message } : { group: match, message })) },
];
/** Any core/ module outside core/contract/. */
const coreInternals = '(^|/)core/(?!contract/)';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/corpus/**', 'build/output/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': forbid(
        noNode('core/ runs in any JS runtime: no Node built-ins (put it in native/).'),
        [nativeModules, 'core/ loads no native module and no Electron.'],
        [['**/native/**', '**/electron/**', '**/renderer/**', '**/test/**'], 'core/ imports core/ only.'],
      ),
    },
  },
  {
    files: ['native/**/*.ts'],
    rules: {
      'no-restricted-imports': forbid(
        [],
        [['electron'], 'native/ runs under plain Node: Electron belongs in electron/.'],
        [['**/electron/**', '**/renderer/**', '**/test/**'], 'native/ imports core/, Node and its native modules only.'],
      ),
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': forbid(
        noNode('renderer/ runs in the browser: no Node built-ins.'),
        [nativeModules, 'renderer/ talks to the engine through EngineApi only.'],
        [['**/native/**', '**/electron/**', '**/test/**'], 'renderer/ imports the core/ contract only.'],
        [coreInternals, 'renderer/ imports the core/ contract (core/contract/) only.'],
      ),
    },
  },
  {
    files: ['electron/**/*.ts'],
    rules: {
      'no-restricted-imports': forbid(
        [],
        [['better-sqlite3', 'pcap'], 'Native work runs in the engine process, not in Electron main.'],
        [['**/native/**', '**/renderer/**', '**/test/**'], 'electron/ forks the engine by path; it imports the core/ contract only.'],
        [coreInternals, 'electron/ imports the core/ contract (core/contract/) only.'],
      ),
    },
  },
);
