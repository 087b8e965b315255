/* Kiosk helpers, loaded with "defer". Everything works without this file. */
(function () {
  "use strict";
  var note = document.getElementById("return-note");
  if (note && note.dataset.returnAfter) {
    var seconds = parseInt(note.dataset.returnAfter, 10);
    var template = note.textContent;
    var timer = setInterval(function () {
      seconds -= 1;
      if (seconds <= 0) { clearInterval(timer); return; }
      note.textContent = template.replace(/\d+/, String(seconds));
    }, 1000);
  }
})();
