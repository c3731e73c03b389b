// gongce service worker: the app shell from the cache, API answers from the
// network (the app keeps the last list itself), so the app opens offline
// and shows the last results. BUILD is replaced at build time.
const CACHE = "gongce-BUILD";
const SHELL = [
  "/", "/index.html", "/boot.js", "/style.css", "/manifest.webmanifest", "/icon.svg",
  "/gongce_webapp.js", "/gongce_webapp_bg.wasm",
  "/vendor/leaflet.js", "/vendor/leaflet.css", "/vendor/leaflet.markercluster.js",
  "/vendor/MarkerCluster.css", "/vendor/MarkerCluster.Default.css",
  "/api/v1/app-config",
];
self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()));
});
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.startsWith("/api/") && url.pathname !== "/api/v1/app-config") return;
  // Network first, so a new build shows at once; the cache when offline.
  event.respondWith(
    fetch(event.request).then((response) => {
      if (response.ok) {
        const copy = response.clone();
        caches.open(CACHE).then((c) => c.put(event.request, copy));
      }
      return response;
    }).catch(() => caches.match(event.request).then((hit) => hit || caches.match("/index.html"))));
});
