// A QR link can carry the slip's code (/staff/<id>?code=...). The server has already put it in
// the form, so take it out of the address bar and the history: nothing on the phone keeps it.
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  if (!params.has("code") || !window.history.replaceState) {
    return;
  }
  params.delete("code");
  var rest = params.toString();
  window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : ""));
})();
