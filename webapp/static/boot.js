// Starts the app: Leaflet first (deferred scripts run in order, before
// DOMContentLoaded), then the WebAssembly. A file, not an inline script,
// so the Content-Security-Policy can forbid inline script altogether.
// Until then index.html shows a loading line, taken away once the app has
// drawn itself, or turned into a plea to reload if it could not start.
const start = async () => {
  const loading = document.getElementById("loading");
  try {
    const app = await import("/gongce_webapp.js");
    await app.default({ module_or_path: "/gongce_webapp_bg.wasm" });
    loading?.remove();
  } catch (e) {
    if (loading) loading.textContent = "无法加载，请刷新 · Could not load; please reload";
    throw e;
  }
};
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
