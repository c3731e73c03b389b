// Starts the app. Loaded `async`, it runs at once: the WebAssembly starts
// compiling (off the main thread, streaming) while Leaflet's deferred
// scripts are parsed; the app itself starts once they have run (before
// DOMContentLoaded). A file, not an inline script, so the
// Content-Security-Policy can forbid inline script altogether.
// Until then index.html shows a loading line, taken away once the app has
// drawn itself, or turned into a plea to reload if it could not start.
// Residents get the app without the committee and admin screens; once
// 登录 is tapped on this device (the app sets gongce.staff), the staff build.
let staff = false;
try { staff = localStorage.getItem("gongce.staff") === "true"; } catch {}
const build = staff ? "gongce_staff" : "gongce_webapp";
const wasm = WebAssembly.compileStreaming(fetch(`/${build}_bg.wasm`));
const code = import(`/${build}.js`);
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
