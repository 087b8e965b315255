/* Kiosk helpers, loaded with "defer". Everything works without this file. */
(function () {
  "use strict";

  // Thanks screen: go back to the start after a visible countdown that the child can stop
  // (WCAG 2.2.1: a time limit the user can turn off).
  var note = document.getElementById("return-note");
  if (note && note.dataset.returnAfter) {
    var seconds = parseInt(note.dataset.returnAfter, 10);
    var template = note.textContent;
    var wait = document.getElementById("return-wait");
    note.hidden = false;
    wait.hidden = false;
    var timer = setInterval(function () {
      seconds -= 1;
      if (seconds <= 0) {
        clearInterval(timer);
        window.location.replace(note.dataset.returnTo);
        return;
      }
      note.textContent = template.replace(/\d+/, String(seconds));
    }, 1000);
    wait.addEventListener("click", function () {
      clearInterval(timer);
      note.hidden = true;
      wait.hidden = true;
    });
  }
})();
