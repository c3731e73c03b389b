// Starts the app: Leaflet first (deferred scripts run in order, before
// DOMContentLoaded), then the WebAssembly. A file, not an inline script,
// so the Content-Security-Policy can forbid inline script altogether.
const start = async () => {
  const app = await import("/gongce_webapp.js");
  await app.default({ module_or_path: "/gongce_webapp_bg.wasm" });
};
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
