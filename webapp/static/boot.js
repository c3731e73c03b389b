// Starts the app. Loaded `async`, it runs at once: the WebAssembly starts
// compiling (off the main thread, streaming) while Leaflet's deferred
// scripts are parsed; the app itself starts once they have run (before
// DOMContentLoaded). A file, not an inline script, so the
// Content-Security-Policy can forbid inline script altogether.
// Until then index.html shows a loading line, taken away once the app has
// drawn itself, or turned into a plea to reload if it could not start.
const wasm = WebAssembly.compileStreaming(fetch("/gongce_webapp_bg.wasm"));
const code = import("/gongce_webapp.js");
const start = async () => {
  const loading = document.getElementById("loading");
  try {
    const app = await code;
    await app.default({ module_or_path: await wasm });
    loading?.remove();
  } catch (e) {
    if (loading) loading.textContent = "无法加载，请刷新 · Could not load; please reload";
    throw e;
  }
};
// Leaflet has run once it defines `L` (deferred scripts run before
// DOMContentLoaded); if it never loads, the app starts without a map.
let started = false;
const go = () => { if (!started) { started = true; start(); } };
if (window.L?.markerClusterGroup || document.readyState === "complete") go();
else {
  document.addEventListener("DOMContentLoaded", go);
  window.addEventListener("load", go);
}
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
