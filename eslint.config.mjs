// Lint is a CI gate (.ci/run): zero findings. Product code (what ships: the
// plugin, the control plane, the local Kong stand-in, the console) gets
// typescript-eslint's strict type-checked rules; tests, benchmarks and
// scripts get the recommended type-checked set, which still catches the bugs
// that matter there (promises nobody awaits, misused async callbacks).
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const PRODUCT = ['plugin/**/*.ts', 'control-plane/**/*.ts', 'local/**/*.ts', 'console/src/**/*.{ts,tsx}'];
const SUPPORT = ['**/*.test.ts', '**/*.test.tsx', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'plugin/providers/shared/testing.ts', 'plugin/providers/shared/http-testing.ts', 'plugin/providers/shared/golden.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.venv/**', '.cache/**', 'console/dist/**', 'console/src/api/schema.d.ts', '**/*.js', '**/*.mjs'] },
  eslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_name` marks a parameter an interface requires, or a field taken out of a rest spread ({ secret: _s, ...rest }).
      // A variable a closure reads before its one assignment (a server's address, set once it listens) stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: PRODUCT,
    ignores: SUPPORT,
    extends: [tseslint.configs.strictTypeChecked],
    rules: {
      // With noUncheckedIndexedAccess, `xs[i]!` where i is provably in range is the honest way to say so.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Style only: `() => void res.end()` and `() => res.end()` say the same.
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // Numbers read fine in messages; objects, arrays and nullish values still may not be interpolated.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // A switch over a union must handle every member (a provider, a failure kind, an event type added later).
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    // Mongoose types schema-type options as classes, yet its documented (and only practical) form is an object literal.
    files: ['control-plane/models/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-class-instance-assignment': 'off' },
  },
  {
    // Express types req.body as any; express-openapi-validator has checked it against openapi.yaml before a route
    // runs, and routes only hand it to services whose parameters are typed.
    files: ['control-plane/routes/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-argument': 'off', '@typescript-eslint/no-unsafe-member-access': 'off' },
  },
  {
    // Form handlers are async: each catches its own failure (or gets failures back as values) and shows it, so preact gets nothing to drop.
    files: ['console/src/**/*.tsx'],
    rules: { '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }] },
  },
  {
    // The console's tests compile with their own tsconfig (node types), which the project service does not find by name.
    files: ['console/src/**/*.test.ts'],
    languageOptions: { parserOptions: { projectService: false, project: './console/tsconfig.test.json' } },
  },
  {
    files: SUPPORT,
    extends: [tseslint.configs.recommendedTypeChecked],
    rules: {
      // Tests read parsed JSON bodies (typed any) and assert on them: the assertion is the type check.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Stubs implement async interfaces with synchronous bodies.
      '@typescript-eslint/require-await': 'off',
      // Test servers take async handlers; a handler that fails fails the test through its client.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      // Parsed JSON bodies in tests are typed any on purpose (see the no-unsafe-* lines above).
      '@typescript-eslint/no-explicit-any': 'off',
      // node:test's describe/it/test return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
    },
  },
);
