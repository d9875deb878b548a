// Run the main.py that `hedgexl lite` writes in Pyodide 0.27.5 (xlwings Lite's Pyodide) under
// Node, offline, with xlwings' own pure-Python wheel, through xlwings' Lite entry points.
// Usage: node run_lite.mjs MAIN_PY XLWINGS_WHEEL CALLS_JSON
// Prints one line of JSON: versions, custom_functions_meta(main) and each call's result.
// Any network access is refused and fails the run (exit 4).
import { loadPyodide, version } from "pyodide";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const [mainPy, wheel, callsJson] = process.argv.slice(2);
if (!mainPy || !wheel || !callsJson) {
  console.error("usage: node run_lite.mjs MAIN_PY XLWINGS_WHEEL CALLS_JSON");
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
py.FS.mkdirTree("/app");
py.FS.writeFile("/app/main.py", readFileSync(mainPy));
py.globals.set("CALLS", readFileSync(callsJson, "utf8"));
const out = await py.runPythonAsync(`
import json, sys, platform
sys.path.insert(0, "/app")
import xlwings, xlwings.server
import main
results = []
for call in json.loads(CALLS):
    data = {"func_name": call["name"], "args": call["args"], "version": xlwings.__version__,
            "client": "Office.js", "runtime": "1.4", "caller_address": None}
    try:
        results.append({"value": await xlwings.server.custom_functions_call(data, main)})
    except Exception as e:
        results.append({"error": f"{type(e).__name__}: {e}"})
json.dumps({"python": platform.python_version(), "xlwings": xlwings.__version__,
            "meta": xlwings.server.custom_functions_meta(main), "results": results,
            "numpy_loaded": "numpy" in sys.modules})
`);
if (attempts.length) {
  console.error(`network access attempted: ${attempts.join(", ")}`);
  process.exit(4);
}
console.log(JSON.stringify({ pyodide: version, ...JSON.parse(out) }));
