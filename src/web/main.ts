// Placeholder entry of the browser page (issue 14): web-app replaces it with the real app. It only
// proves the build and the serving path: it marks the page as loaded.
document.body.dataset.state = 'loading';
