// Placeholder proof-of-work worker (issue 14): web-app replaces it. A classic dedicated worker.
self.addEventListener('message', () => {
  self.postMessage({ done: false });
});
