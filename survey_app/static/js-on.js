/* Loaded synchronously in <head>: marks the page as scripted before the first paint, so
   controls that need JavaScript take their place at once instead of shifting the page. */
document.documentElement.classList.add("js");
