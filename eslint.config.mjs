// The pages' linter (`make lint`): the recommended rules plus the few that catch real mistakes in our pages.
// ESLint and its rule sets are installed by `make lint` under .cache/npm (not the repository's root).
import { createRequire } from "node:module";

const require = createRequire(new URL("./.cache/npm/", import.meta.url));
const js = require("@eslint/js");
const globals = require("globals");

export default [
  js.configs.recommended,
  {
    files: ["display_board/static/**/*.js"],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "module",
      globals: { ...globals.browser, Chart: "readonly" },  // Chart.js is loaded by a <script> tag
    },
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      eqeqeq: "error",
      "no-var": "error",
      "prefer-const": "error",
    },
  },
  { ignores: ["display_board/static/vendor/**", ".venv/**", ".cache/**", "data/**"] },
];
