// Run the main.py that `hedgexl lite` writes in Pyodide 0.27.5 (xlwings Lite's Pyodide) under
// Node, offline, with xlwings' own pure-Python wheel, through xlwings' Lite entry points.
// Usage: node run_lite.mjs MAIN_PY XLWINGS_WHEEL CALLS_JSON [SITE_PACKAGES]
// CALLS_JSON: a list of the payloads Office.js sends to custom_functions_call.
// SITE_PACKAGES: a directory whose contents are copied into Pyodide's site-packages before
// main.py is imported (tests/test_pyodide.py puts a numpy built for Pyodide's ABI there).
// Prints one line of JSON: versions, custom_functions_meta(main) and each call's result.
// Any network access is refused and fails the run (exit 4).
import { loadPyodide, version } from "pyodide";
import { createRequire } from "node:module";
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const [mainPy, wheel, callsJson, sitePackages] = process.argv.slice(2);
if (!mainPy || !wheel || !callsJson) {
  console.error("usage: node run_lite.mjs MAIN_PY XLWINGS_WHEEL CALLS_JSON [SITE_PACKAGES]");
  process.exit(2);
}
const attempts = [];
globalThis.fetch = async (url) => {
  attempts.push(String(url));
  throw new Error(`network disabled: ${url}`);
};
const require = createRequire(import.meta.url);
const indexURL = path.dirname(require.resolve("pyodide/package.json")) + path.sep;
const py = await loadPyodide({
  indexURL,
  packageCacheDir: path.dirname(path.resolve(wheel)),
  // xlwings' Office.js conversion is in its PRO package: the free non-commercial key, tests only
  env: { XLWINGS_LICENSE_KEY: "noncommercial", XLWINGS_ON_SERVER: "true", HOME: "/home/pyodide" },
});
await py.loadPackage(path.resolve(wheel));

function copyInto(src, dst) {
  for (const name of readdirSync(src)) {
    const s = path.join(src, name);
    const d = `${dst}/${name}`;
    if (statSync(s).isDirectory()) {
      py.FS.mkdirTree(d);
      copyInto(s, d);
    } else {
      py.FS.writeFile(d, readFileSync(s));
    }
  }
}
if (sitePackages) copyInto(path.resolve(sitePackages), "/lib/python3.12/site-packages");

py.FS.mkdirTree("/app");
py.FS.writeFile("/app/main.py", readFileSync(mainPy));
py.globals.set("CALLS", readFileSync(callsJson, "utf8"));
py.globals.set("PYODIDE", version);
const out = await py.runPythonAsync(`
import json, sys, platform
sys.path.insert(0, "/app")
import xlwings, xlwings.server
import main
results = []
for data in json.loads(CALLS):
    try:
        results.append({"value": await xlwings.server.custom_functions_call(data, main)})
    except Exception as e:
        results.append({"error": f"{type(e).__name__}: {e}"})
np = sys.modules.get("numpy")
json.dumps({"pyodide": PYODIDE, "python": platform.python_version(),
            "xlwings": xlwings.__version__, "numpy": np.__version__ if np else None,
            "meta": xlwings.server.custom_functions_meta(main), "results": results})
`);
if (attempts.length) {
  console.error(`network access attempted: ${attempts.join(", ")}`);
  process.exit(4);
}
console.log(out); // Python's JSON (NaN allowed): the test reads it with Python's json
