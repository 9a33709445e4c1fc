// ESLint (flat config) for our own JavaScript: the ES modules of webmap/static/js and the transitional classic
// scripts beside them. ESLint and its packages are pinned in tools/js/package-lock.json, installed by `make setup`
// (npm ci --prefix tools/js) and run by `make lint`; they are resolved from tools/js/node_modules.
import {createRequire} from "node:module";

const require = createRequire(new URL("./tools/js/package.json", import.meta.url));
const js = require("@eslint/js");
const globals = require("globals");

// Browser globals whose bare names read like local variables (a missing declaration would silently use them).
const CONFUSING_GLOBALS = ["event", "name", "status", "length", "top", "parent", "self", "origin", "close", "open",
                           "print", "find", "stop", "scroll"];

const RULES = {
  ...js.configs.recommended.rules,
  "no-var": "error",
  "prefer-const": "error",
  "eqeqeq": ["error", "always"],
  "curly": ["error", "all"],
  "no-shadow": "error",
  "no-param-reassign": "error",
  "no-use-before-define": ["error", {functions: false, classes: true, variables: true}],
  "no-unused-vars": ["error", {args: "after-used", caughtErrors: "all"}],
  "no-console": ["error", {allow: ["error", "warn"]}],
  "no-eval": "error",
  "no-implied-eval": "error",
  "no-new-func": "error",
  "no-script-url": "error",
  "no-alert": "error",
  "no-throw-literal": "error",
  "no-return-assign": "error",
  "no-sequences": "error",
  "no-implicit-coercion": "error",
  "radix": "error",
  "object-shorthand": "error",
  "prefer-arrow-callback": "error",
  "prefer-template": "error",
  "no-restricted-globals": ["error", ...CONFUSING_GLOBALS],
  "no-restricted-syntax": ["error",
    {selector: "AssignmentExpression > MemberExpression.left[object.name='window'][property.name!='YiwuMap']",
     message: "The pages have one global, window.YiwuMap (static/js/global.js); keep other state in a module."},
    {selector: "MemberExpression[property.name=/^_/]",
     message: "Private (underscore) members of Leaflet and its plugins are not API: use the public methods."},
    {selector: "MemberExpression[property.name='innerHTML'], MemberExpression[property.name='outerHTML']",
     message: "Values reach the page as text: use textContent (dom.js el)."},
  ],
};

export default [
  {ignores: ["**/node_modules/**", ".venv/**", "data/**", "tests/artifacts/**"]},
  {
    files: ["webmap/static/js/**/*.js"],
    languageOptions: {ecmaVersion: 2022, sourceType: "module", globals: {...globals.browser, L: "readonly"}},
    linterOptions: {reportUnusedDisableDirectives: "error"},
    rules: RULES,
  },
];
